/*! \file
 * \brief Native evaluation (see engine.h). The arithmetic follows DeePMD-kit's NumPy backend
 * (deepmd/dpmodel: utils/env_mat.py, descriptor/se_e2_a.py, descriptor/dpa1.py,
 * fitting/general_fitting.py, atomic_model/base_atomic_model.py) term by term, including the
 * empty ("padded") neighbour slots, which contribute G(-davg/dstd) x (-davg/dstd).
 *
 * Per owned atom i: neighbours within rcut sorted by (section, distance) into slots;
 * R = sw(r) (1/r, d/r^2) normalised, Rn = (R - davg) / dstd; embedding rows G_k;
 * gr = sum_k G_k^T Rn_k / nnei; D = gr gr[:axis]^T; E_i = fit(D) + bias. The reverse pass
 * runs the same chain backwards to dE/dd_k for every slot, d_k = x_j - x_i.
 */
#include "backends/native/engine.h"

#include "backends/native/embedding_table.h"
#include "backends/native/net.h"
#include "common/error.h"

#include <omp.h>

#include <algorithm>
#include <cmath>

namespace dgmx::native
{
namespace
{
//! One occupied neighbour slot of the current atom.
struct Slot
{
    int    j = 0, slot = 0, type = 0;
    double d[3]{};     //!< x_j - x_i
    double r = 0, sw = 0, dsw = 0;
    double rn[4]{};    //!< normalised environment row
};

struct Candidate
{
    double r2;
    int    j, section;
    bool   operator<(const Candidate& o) const { return r2 != o.r2 ? r2 < o.r2 : j < o.j; }
};

//! Dot product in eight interleaved partial sums (a fixed order that vectorises).
template <typename T>
inline T dot(const T* a, const T* b, int n)
{
    T   part[8] = { 0, 0, 0, 0, 0, 0, 0, 0 };
    int k       = 0;
    for (; k + 8 <= n; k += 8)
    {
        for (int l = 0; l < 8; ++l) part[l] += a[k + l] * b[k + l];
    }
    T sum = 0;
    for (; k < n; ++k) sum += a[k] * b[k];
    for (int l = 0; l < 8; ++l) sum += part[l];
    return sum;
}

//! Quintic switch of DeePMD-kit (compute_smooth_weight) and its derivative in r.
inline void smoothSwitch(double r, double rs, double rc, double& sw, double& dsw)
{
    if (r <= rs)
    {
        sw = 1;
        dsw = 0;
        return;
    }
    if (r >= rc)
    {
        sw = 0;
        dsw = 0;
        return;
    }
    const double u = (r - rs) / (rc - rs), u2 = u * u;
    sw             = u2 * u * (-6.0 * u2 + 15.0 * u - 10.0) + 1.0;
    dsw            = (-30.0 * u2 * u2 + 60.0 * u2 * u - 30.0 * u2) / (rc - rs);
}

template <typename T>
struct Workspace
{
    std::vector<Candidate> candidates;
    std::vector<Slot>      slots;
    std::vector<int>       sectionCount;
    std::vector<T>         input, keep, g, gG, gGs, gs, gInput, netWork, fitWork;
    std::vector<T>         tableG, tableSlope; //!< tabulated embedding: G and dG/dx per row
    bool                   tabulated = false;  //!< this atom's rows came from the tables
    std::vector<const T*>  rowBias;
    std::vector<T>         gr, dgr, descriptor, gDescriptor, fitKeep, fitGrad;
    std::vector<double>    force;
    std::array<double, 9>  virial{};
};

template <typename T>
class Engine final : public IEngine
{
public:
    Engine(const Model& m, bool tabulate) : m_(m), d_(m.descriptor)
    {
        for (const auto& n : d_.embeddings) embed_.emplace_back(n);
        for (const auto& n : m.fitting.nets) fit_.emplace_back(n);
        if (d_.strip) buildStripTable();
        davgZero_ = std::all_of(d_.davg.begin(), d_.davg.end(), [](double v) { return v == 0.0; });
        embedIn_  = embed_.front().inDim();
        if (embedIn_ > 1 && embed_.front().firstLayer().resnet == 0) foldTypeEmbedding();
        int widest = d_.ng;
        for (const auto& n : embed_) widest = std::max(widest, n.maxWidth());
        for (const auto& n : fit_) widest = std::max(widest, n.maxWidth());
        if (widest > 1024) // the reverse pass keeps one layer's gradient on the stack
        {
            throw Error(m.path + ": model: layers wider than 1024 are not supported by the native engine");
        }
        if (tabulate) buildEmbeddingTables();
    }

    void compute(const EngineInput& in, EngineOutput& out, int threads) override
    {
        threads = std::max(1, threads);
        if (static_cast<int>(work_.size()) < threads) work_.resize(static_cast<std::size_t>(threads));
        out.atomEnergy.assign(static_cast<std::size_t>(in.nOwned), 0.0);
        preparePadding(in);
#pragma omp parallel num_threads(threads)
        {
            auto& w = work_[static_cast<std::size_t>(omp_get_thread_num())];
            w.force.assign(static_cast<std::size_t>(3 * in.nAll), 0.0);
            w.virial.fill(0.0);
#pragma omp for schedule(dynamic, 4)
            for (int i = 0; i < in.nOwned; ++i)
            {
                out.atomEnergy[i] = atom(in, i, w);
            }
        }
        out.force.assign(static_cast<std::size_t>(3 * in.nAll), 0.0);
        out.virial.fill(0.0);
        for (int t = 0; t < threads; ++t)
        {
            const auto& w = work_[static_cast<std::size_t>(t)];
            for (std::size_t k = 0; k < out.force.size(); ++k) out.force[k] += w.force[k];
            for (int k = 0; k < 9; ++k) out.virial[k] += w.virial[k];
        }
    }

private:
    [[nodiscard]] std::size_t statIndex(int ti, int slot, int c) const
    {
        return (static_cast<std::size_t>(ti) * d_.nnei + slot) * 4 + c;
    }

    //! The embedding net of a section for centre type ti.
    const NetT<T>& embedding(int ti, int section) const
    {
        if (d_.kind == DescriptorKind::SeAtten) return embed_[0];
        return d_.typeOneSide ? embed_[section] : embed_[ti + section * m_.ntypes];
    }

    /*! DPA-1 "concat": the embedding input [s, tebd(tj) (, tebd(ti))] enters the first layer
     *  as s W_0 + (b + tebd part W_rest); the bracket depends on the types only, so it is
     *  computed once per type pair and the rows carry s alone. */
    void foldTypeEmbedding()
    {
        const auto& l0 = embed_.front().firstLayer();
        const int   nt = m_.ntypes, td = d_.tebdDim;
        typeBias_.assign(static_cast<std::size_t>(nt * nt * l0.out), T(0));
        const auto& W = d_.embeddings.front().layers.front();
        for (int ti = 0; ti < nt; ++ti)
        {
            for (int tj = 0; tj < nt; ++tj)
            {
                for (int o = 0; o < l0.out; ++o)
                {
                    double v = W.b.empty() ? 0.0 : W.b[o];
                    for (int a = 0; a < td; ++a) v += d_.typeEmbedding[tj * td + a] * W.w[(1 + a) * l0.out + o];
                    if (!d_.typeOneSide)
                    {
                        for (int a = 0; a < td; ++a) v += d_.typeEmbedding[ti * td + a] * W.w[(1 + td + a) * l0.out + o];
                    }
                    typeBias_[(static_cast<std::size_t>(ti) * nt + tj) * l0.out + o] = static_cast<T>(v);
                }
            }
        }
        embedIn_ = 1;
        folded_  = true;
    }

    [[nodiscard]] const T* typeBias(int ti, int tj) const
    {
        return folded_ ? typeBias_.data() + (static_cast<std::size_t>(ti) * m_.ntypes + tj) * embed_.front().firstLayer().out
                       : nullptr;
    }

    //! Embedding input row of a neighbour: s, then (se_atten concat) its and the centre's tebd.
    void fillInput(T* row, double s, int ti, int tj) const
    {
        row[0] = static_cast<T>(s);
        if (d_.kind != DescriptorKind::SeAtten || d_.strip || folded_) return;
        const double* ej = d_.typeEmbedding.data() + static_cast<std::size_t>(tj) * d_.tebdDim;
        for (int a = 0; a < d_.tebdDim; ++a) row[1 + a] = static_cast<T>(ej[a]);
        if (!d_.typeOneSide)
        {
            const double* ei = d_.typeEmbedding.data() + static_cast<std::size_t>(ti) * d_.tebdDim;
            for (int a = 0; a < d_.tebdDim; ++a) row[1 + d_.tebdDim + a] = static_cast<T>(ei[a]);
        }
    }

    //! Strip mode: the type part of the embedding, per (centre, neighbour) with padding type.
    void buildStripTable()
    {
        const int nt = m_.ntypes + 1, td = d_.tebdDim;
        stripTable_.assign(static_cast<std::size_t>(nt * nt * d_.ng), T(0));
        for (int ci = 0; ci < nt; ++ci)
        {
            for (int nj = 0; nj < nt; ++nj)
            {
                std::vector<double> x(d_.typeEmbedding.begin() + nj * td, d_.typeEmbedding.begin() + (nj + 1) * td);
                if (!d_.typeOneSide)
                {
                    x.insert(x.end(), d_.typeEmbedding.begin() + ci * td, d_.typeEmbedding.begin() + (ci + 1) * td);
                }
                std::vector<double> y;
                evaluateNetDouble(d_.stripNet, x, y);
                std::copy(y.begin(), y.end(), stripTable_.begin() + (ci * nt + nj) * d_.ng);
            }
        }
    }

    [[nodiscard]] const T* stripRow(int ti, int tj) const
    {
        const int nt = m_.ntypes + 1;
        return stripTable_.data() + static_cast<std::size_t>((d_.typeOneSide ? 0 : ti) * nt + tj) * d_.ng;
    }

    /*! Empty slots contribute G(s_pad) (x) Rn_pad with Rn_pad = -davg/dstd (zero when davg is
     *  zero). Suffix sums per section: the empty slots of a section are always its tail.
     *  se_atten gathers the "neighbour" of an empty slot at index 0 (DeePMD-kit's masked
     *  nlist), so its type embedding is that of atom 0. */
    void preparePadding(const EngineInput& in)
    {
        if (davgZero_) return;
        const int type0 = d_.kind == DescriptorKind::SeAtten && in.nAll > 0 ? in.types[0] : 0;
        if (!padTable_.empty() && type0 == padType0_) return;
        padType0_ = type0;
        const std::size_t block = static_cast<std::size_t>(d_.ng) * 4;
        padTable_.assign(static_cast<std::size_t>(m_.ntypes) * (d_.nnei + 1) * block, 0.0);
        std::vector<T> row(static_cast<std::size_t>(embedIn_));
        for (int ti = 0; ti < m_.ntypes; ++ti)
        {
            for (std::size_t sec = 0; sec + 1 < d_.selOffset.size(); ++sec)
            {
                const int s = static_cast<int>(sec);
                const NetT<T>& net = embedding(ti, s);
                std::vector<T> keep(net.storedPerRow());
                for (int k = d_.selOffset[sec + 1] - 1; k >= d_.selOffset[sec]; --k)
                {
                    double rn[4];
                    for (int c = 0; c < 4; ++c) rn[c] = -d_.davg[statIndex(ti, k, c)] / d_.dstd[statIndex(ti, k, c)];
                    const int tj = d_.kind == DescriptorKind::SeAtten ? type0 : s;
                    fillInput(row.data(), rn[0], ti, tj);
                    const T* bias = typeBias(ti, tj);
                    const T* g    = net.forward(row.data(), 1, keep.data(), embedIn_, folded_ ? &bias : nullptr);
                    double*  dst = padTable_.data() + (static_cast<std::size_t>(ti) * (d_.nnei + 1) + k) * block;
                    const double* next = dst + block;
                    const T* gt = d_.strip && !d_.smooth ? stripRow(ti, type0) : nullptr;
                    for (int mi = 0; mi < d_.ng; ++mi)
                    {
                        const double gm = static_cast<double>(g[mi]) * (gt ? 1.0 + static_cast<double>(gt[mi]) : 1.0);
                        for (int c = 0; c < 4; ++c)
                        {
                            const bool last = k + 1 == d_.selOffset[sec + 1];
                            dst[c * d_.ng + mi] = gm * rn[c] + (last ? 0.0 : next[c * d_.ng + mi]);
                        }
                    }
                }
            }
        }
    }

    //! Neighbours of i within rcut, sorted into sections, truncated to sel.
    void collectSlots(const EngineInput& in, int i, Workspace<T>& w) const
    {
        const int     ti = in.types[i];
        const double* xi = &in.x[3 * i];
        const double  rc2 = d_.rcut * d_.rcut;
        w.candidates.clear();
        for (int n = in.offsets[i]; n < in.offsets[i + 1]; ++n)
        {
            const int    j = in.indices[n];
            const double* xj = &in.x[3 * j];
            const double dx = xj[0] - xi[0], dy = xj[1] - xi[1], dz = xj[2] - xi[2];
            const double r2 = dx * dx + dy * dy + dz * dz;
            const int    tj = in.types[j];
            if (r2 > rc2 || j == i || m_.pairExcluded[ti * m_.ntypes + tj]) continue;
            w.candidates.push_back({ r2, j, d_.kind == DescriptorKind::SeA ? tj : 0 });
        }
        // As DeePMD-kit's format_nlist: the nnei nearest, then split into type sections.
        std::sort(w.candidates.begin(), w.candidates.end());
        if (static_cast<int>(w.candidates.size()) > d_.nnei) w.candidates.resize(static_cast<std::size_t>(d_.nnei));
        std::stable_sort(w.candidates.begin(), w.candidates.end(),
                         [](const Candidate& a, const Candidate& b) { return a.section < b.section; });
        const std::size_t nsec = d_.sel.size();
        w.sectionCount.assign(nsec, 0);
        w.slots.clear();
        for (const auto& c : w.candidates)
        {
            int& count = w.sectionCount[c.section];
            if (count >= d_.sel[c.section]) continue;
            Slot s;
            s.j    = c.j;
            s.slot = d_.selOffset[c.section] + count++;
            s.type = in.types[c.j];
            if (d_.pairExcluded[ti * m_.ntypes + s.type]) continue; // occupies the slot, adds zero
            const double* xj = &in.x[3 * c.j];
            for (int k = 0; k < 3; ++k) s.d[k] = xj[k] - xi[k];
            s.r = std::sqrt(c.r2);
            smoothSwitch(s.r, d_.rcutSmooth, d_.rcut, s.sw, s.dsw);
            const double u = s.r + d_.protection;
            const double env[4] = { s.sw / u, s.sw * s.d[0] / (u * u), s.sw * s.d[1] / (u * u), s.sw * s.d[2] / (u * u) };
            for (int k = 0; k < 4; ++k)
            {
                s.rn[k] = (env[k] - d_.davg[statIndex(ti, s.slot, k)]) / d_.dstd[statIndex(ti, s.slot, k)];
            }
            w.slots.push_back(s);
        }
    }

    //! Tables of every embedding net over the inputs of neighbours from kTableClosest to rcut.
    void buildEmbeddingTables()
    {
        if (embedIn_ != 1 || folded_)
        {
            throw Error(m_.path + ": tabulate_embedding: only embedding nets with the distance as their "
                        "only input can be tabulated (se_e2_a, or DPA-1 with tebd_input_mode strip); "
                        "set tabulate_embedding = no for this model");
        }
        // x = (s - davg) / dstd, s = sw(r) / r from 0 (at rcut) to 1 / (closest + protection).
        double lo = 1e300, hi = -1e300;
        const double sMax = 1.0 / (kTableClosest + d_.protection);
        for (std::size_t q = 0; q < d_.davg.size(); q += 4)
        {
            for (double s : { 0.0, sMax })
            {
                const double x = (s - d_.davg[q]) / d_.dstd[q];
                lo = std::min(lo, x);
                hi = std::max(hi, x);
            }
        }
        const int intervals = std::clamp(static_cast<int>(std::ceil((hi - lo) / kTableStep)), 16, 1 << 16);
        for (const auto& net : d_.embeddings) tables_.emplace_back(net, lo, hi, intervals);
    }

    //! True when every slot's input lies in the tables (no neighbour closer than kTableClosest).
    [[nodiscard]] bool rowsTabulated(const Workspace<T>& w) const
    {
        if (tables_.empty()) return false;
        return std::all_of(w.slots.begin(), w.slots.end(), [&](const Slot& s) { return tables_.front().covers(s.rn[0]); });
    }

    //! G of rows [begin, end) of one net from its table; dG/dx kept for the reverse pass.
    const T* lookupRows(const NetT<T>& net, int begin, int end, Workspace<T>& w) const
    {
        const auto& table = tables_[static_cast<std::size_t>(&net - embed_.data())];
        for (int k = begin; k < end; ++k)
        {
            const std::size_t row = static_cast<std::size_t>(k) * d_.ng;
            table.lookup(w.slots[k].rn[0], w.tableG.data() + row, w.tableSlope.data() + row);
        }
        return w.tableG.data() + static_cast<std::size_t>(begin) * d_.ng;
    }

    //! Embedding rows of all occupied slots: G (rows x ng) into w.g, kept values into w.keep.
    void embedForward(int ti, Workspace<T>& w) const
    {
        const int         rows = static_cast<int>(w.slots.size());
        const std::size_t kept = embed_.front().storedPerRow();
        w.input.resize(static_cast<std::size_t>(rows) * embedIn_);
        w.keep.resize(static_cast<std::size_t>(rows) * kept);
        w.g.resize(static_cast<std::size_t>(rows) * d_.ng);
        w.rowBias.resize(static_cast<std::size_t>(rows));
        if (d_.strip) w.gs.resize(static_cast<std::size_t>(rows) * d_.ng);
        w.tabulated = rowsTabulated(w);
        if (w.tabulated)
        {
            w.tableG.resize(static_cast<std::size_t>(rows) * d_.ng);
            w.tableSlope.resize(static_cast<std::size_t>(rows) * d_.ng);
        }
        for (int k = 0; k < rows && !w.tabulated; ++k) // the nets' inputs; tables need only rn[0]
        {
            fillInput(w.input.data() + static_cast<std::size_t>(k) * embedIn_, w.slots[k].rn[0], ti, w.slots[k].type);
            w.rowBias[k] = typeBias(ti, w.slots[k].type);
        }
        forEachRun(ti, w, [&](const NetT<T>& net, int begin, int end) {
            const T* g = w.tabulated
                             ? lookupRows(net, begin, end, w)
                             : net.forward(w.input.data() + static_cast<std::size_t>(begin) * embedIn_, end - begin,
                                           w.keep.data() + static_cast<std::size_t>(begin) * kept, embedIn_,
                                           folded_ ? w.rowBias.data() + begin : nullptr);
            if (d_.strip)
            {
                std::copy(g, g + static_cast<std::size_t>(end - begin) * d_.ng, w.gs.begin() + static_cast<std::size_t>(begin) * d_.ng);
            }
            for (int k = begin; k < end; ++k)
            {
                const T* gk = g + static_cast<std::size_t>(k - begin) * d_.ng;
                T*       dst = w.g.data() + static_cast<std::size_t>(k) * d_.ng;
                const T* gt  = d_.strip ? stripRow(ti, w.slots[k].type) : nullptr;
                const T  sw  = static_cast<T>(d_.smooth ? w.slots[k].sw : 1.0);
                for (int mi = 0; mi < d_.ng; ++mi) dst[mi] = gt ? gk[mi] * (T(1) + gt[mi] * sw) : gk[mi];
            }
        });
    }

    //! Calls f(net, begin, end) for each run of consecutive slots sharing an embedding net.
    template <typename F>
    void forEachRun(int ti, const Workspace<T>& w, F&& f) const
    {
        const int rows = static_cast<int>(w.slots.size());
        for (int begin = 0; begin < rows;)
        {
            const int sec = section(w.slots[begin].slot);
            int       end = begin + 1;
            while (end < rows && section(w.slots[end].slot) == sec) ++end;
            f(embedding(ti, sec), begin, end);
            begin = end;
        }
    }

    [[nodiscard]] int section(int slot) const
    {
        if (d_.kind == DescriptorKind::SeAtten) return 0;
        return static_cast<int>(std::upper_bound(d_.selOffset.begin(), d_.selOffset.end(), slot) - d_.selOffset.begin()) - 1;
    }

    //! gr = (sum_k G_k (x) Rn_k + empty slots) / nnei, ng x 4.
    void accumulateGr(int ti, Workspace<T>& w) const
    {
        w.gr.assign(static_cast<std::size_t>(d_.ng) * 4, T(0));
        for (std::size_t k = 0; k < w.slots.size(); ++k)
        {
            const T* g = w.g.data() + k * d_.ng;
            const T  rn[4] = { static_cast<T>(w.slots[k].rn[0]), static_cast<T>(w.slots[k].rn[1]),
                               static_cast<T>(w.slots[k].rn[2]), static_cast<T>(w.slots[k].rn[3]) };
            for (int c = 0; c < 4; ++c)
            {
                T* gr = w.gr.data() + c * d_.ng;
                for (int mi = 0; mi < d_.ng; ++mi) gr[mi] += g[mi] * rn[c];
            }
        }
        if (!davgZero_)
        {
            const std::size_t block = static_cast<std::size_t>(d_.ng) * 4;
            for (std::size_t sec = 0; sec < d_.sel.size(); ++sec)
            {
                const int first = d_.selOffset[sec] + w.sectionCount[sec];
                if (first >= d_.selOffset[sec + 1]) continue;
                const double* p = padTable_.data() + (static_cast<std::size_t>(ti) * (d_.nnei + 1) + first) * block;
                for (std::size_t q = 0; q < block; ++q) w.gr[q] += static_cast<T>(p[q]);
            }
        }
        const T inv = T(1) / static_cast<T>(d_.nnei);
        for (auto& v : w.gr) v *= inv;
    }

    //! D[m * axis + a] = sum_c gr[m][c] gr[a][c], then (concat_output_tebd) the centre's tebd.
    void descriptorForward(int ti, Workspace<T>& w) const
    {
        const int ax = d_.axisNeuron;
        w.descriptor.resize(static_cast<std::size_t>(d_.outDim()));
        for (int mi = 0; mi < d_.ng; ++mi)
        {
            for (int a = 0; a < ax; ++a)
            {
                T s = 0;
                for (int c = 0; c < 4; ++c) s += w.gr[c * d_.ng + mi] * w.gr[c * d_.ng + a];
                w.descriptor[mi * ax + a] = s;
            }
        }
        if (d_.concatOutputTebd)
        {
            for (int a = 0; a < d_.tebdDim; ++a)
            {
                w.descriptor[d_.ng * ax + a] = static_cast<T>(d_.typeEmbedding[static_cast<std::size_t>(ti) * d_.tebdDim + a]);
            }
        }
    }

    //! dE/dgr (including the 1/nnei of gr) from dE/dD.
    void descriptorBackward(Workspace<T>& w) const
    {
        const int ax = d_.axisNeuron;
        w.dgr.assign(static_cast<std::size_t>(d_.ng) * 4, T(0));
        for (int mi = 0; mi < d_.ng; ++mi)
        {
            for (int a = 0; a < ax; ++a)
            {
                const T gd = w.gDescriptor[mi * ax + a];
                for (int c = 0; c < 4; ++c)
                {
                    w.dgr[c * d_.ng + mi] += gd * w.gr[c * d_.ng + a];
                    w.dgr[c * d_.ng + a] += gd * w.gr[c * d_.ng + mi];
                }
            }
        }
        const T inv = T(1) / static_cast<T>(d_.nnei);
        for (auto& v : w.dgr) v *= inv;
    }

    //! Reverse pass through the embedding rows; adds dE/dd of every slot to forces and virial.
    void embedBackward(int ti, int i, Workspace<T>& w) const
    {
        const int         rows = static_cast<int>(w.slots.size());
        const std::size_t kept = embed_.front().storedPerRow();
        w.gG.resize(static_cast<std::size_t>(rows) * d_.ng);
        w.gInput.resize(static_cast<std::size_t>(rows));
        w.netWork.resize(static_cast<std::size_t>(2 * rows * embed_.front().maxWidth()));
        w.gGs.resize(static_cast<std::size_t>(rows) * d_.ng);
        for (int k = 0; k < rows; ++k)
        {
            const auto& s = w.slots[k];
            T*          gg = w.gG.data() + static_cast<std::size_t>(k) * d_.ng;
            for (int mi = 0; mi < d_.ng; ++mi)
            {
                gg[mi] = w.dgr[mi] * static_cast<T>(s.rn[0]) + w.dgr[d_.ng + mi] * static_cast<T>(s.rn[1])
                         + w.dgr[2 * d_.ng + mi] * static_cast<T>(s.rn[2]) + w.dgr[3 * d_.ng + mi] * static_cast<T>(s.rn[3]);
            }
        }
        forEachRun(ti, w, [&](const NetT<T>& net, int begin, int end) {
            for (int k = begin; k < end; ++k)
            {
                const T* gg = w.gG.data() + static_cast<std::size_t>(k) * d_.ng;
                T*       gs = w.gGs.data() + static_cast<std::size_t>(k) * d_.ng;
                const T* gt = d_.strip ? stripRow(ti, w.slots[k].type) : nullptr;
                const T  sw = static_cast<T>(d_.smooth ? w.slots[k].sw : 1.0);
                for (int mi = 0; mi < d_.ng; ++mi) gs[mi] = gt ? gg[mi] * (T(1) + gt[mi] * sw) : gg[mi];
            }
            if (w.tabulated)
            {
                for (int k = begin; k < end; ++k)
                {
                    const std::size_t row = static_cast<std::size_t>(k) * d_.ng;
                    w.gInput[static_cast<std::size_t>(k)] = dot(w.gGs.data() + row, w.tableSlope.data() + row, d_.ng);
                }
                return;
            }
            // Only dE/ds is needed: the type-embedding inputs are constants.
            net.backward(w.keep.data() + static_cast<std::size_t>(begin) * kept, end - begin,
                         w.gGs.data() + static_cast<std::size_t>(begin) * d_.ng, w.gInput.data() + begin,
                         w.netWork.data(), 1);
        });
        for (int k = 0; k < rows; ++k)
        {
            slotBackward(ti, i, k, w);
        }
    }

    //! dE/dRn of slot k -> dE/dd -> forces on i and j, virial.
    void slotBackward(int ti, int i, int k, Workspace<T>& w) const
    {
        const auto& s  = w.slots[k];
        const T*    g  = w.g.data() + static_cast<std::size_t>(k) * d_.ng;
        double gR[4];
        for (int c = 0; c < 4; ++c) gR[c] = static_cast<double>(dot(w.dgr.data() + c * d_.ng, g, d_.ng));
        gR[0] += static_cast<double>(w.gInput[static_cast<std::size_t>(k)]);
        for (int c = 0; c < 4; ++c) gR[c] /= d_.dstd[statIndex(ti, s.slot, c)];
        double gSwitch = 0; // strip + smooth: G depends on sw directly
        if (d_.strip && d_.smooth)
        {
            const T* gg = w.gG.data() + static_cast<std::size_t>(k) * d_.ng;
            const T* gt = stripRow(ti, s.type);
            const T* gs = w.gs.data() + static_cast<std::size_t>(k) * d_.ng;
            for (int mi = 0; mi < d_.ng; ++mi) gSwitch += static_cast<double>(gg[mi] * gs[mi] * gt[mi]);
        }
        const double u = s.r + d_.protection, u2 = u * u;
        const double dot = gR[1] * s.d[0] + gR[2] * s.d[1] + gR[3] * s.d[2];
        const double radial = (gR[0] * (s.dsw / u - s.sw / u2) + dot * (s.dsw / u2 - 2.0 * s.sw / (u2 * u))
                               + gSwitch * s.dsw) / s.r;
        double grad[3];
        for (int a = 0; a < 3; ++a) grad[a] = radial * s.d[a] + s.sw / u2 * gR[1 + a];
        for (int a = 0; a < 3; ++a)
        {
            w.force[3 * static_cast<std::size_t>(s.j) + a] -= grad[a];
            w.force[3 * static_cast<std::size_t>(i) + a] += grad[a];
            for (int b = 0; b < 3; ++b) w.virial[3 * a + b] += 0.5 * s.d[a] * grad[b];
        }
    }

    [[nodiscard]] int maxFitWidth() const { return fit_.front().maxWidth(); }

    //! Energy of owned atom i (eV); its forces and virial go to w.
    double atom(const EngineInput& in, int i, Workspace<T>& w) const
    {
        const int ti = in.types[i];
        if (m_.atomExcluded[ti]) return 0.0;
        if (m_.fitting.excluded[ti]) return m_.outBias[ti];
        collectSlots(in, i, w);
        embedForward(ti, w);
        accumulateGr(ti, w);
        descriptorForward(ti, w);
        const NetT<T>& fit = fit_[m_.fitting.mixedTypes ? 0 : ti];
        w.fitKeep.resize(fit.storedPerRow());
        const T* e = fit.forward(w.descriptor.data(), 1, w.fitKeep.data());
        const double energy = static_cast<double>(e[0]) + m_.fitting.biasAtomE[ti] + m_.outBias[ti];
        // Reverse pass: dE/dD, dE/dgr, then every slot.
        w.gDescriptor.resize(static_cast<std::size_t>(d_.outDim()));
        w.fitWork.resize(static_cast<std::size_t>(2 * fit.maxWidth()));
        w.fitGrad.assign(1, T(1));
        fit.backward(w.fitKeep.data(), 1, w.fitGrad.data(), w.gDescriptor.data(), w.fitWork.data(), fit.inDim());
        descriptorBackward(w);
        embedBackward(ti, i, w);
        return energy;
    }

    const Model&                  m_;
    const Descriptor&             d_;
    std::vector<NetT<T>>          embed_, fit_;
    std::vector<T>                stripTable_;
    std::vector<EmbeddingTable<T>> tables_; //!< per embedding net, when tabulating
    //! Tables span neighbours from this distance (Angstrom) to rcut; closer ones use the nets.
    static constexpr double kTableClosest = 0.4;
    static constexpr double kTableStep    = 0.002; //!< knot spacing in the normalised input
    std::vector<double>           padTable_;
    int                           padType0_ = -1;
    bool                          davgZero_ = true;
    int                           embedIn_  = 1;
    bool                          folded_   = false;
    std::vector<T>                typeBias_;
    std::vector<Workspace<T>>     work_;
};
} // namespace

std::unique_ptr<IEngine> makeEngine(const Model& model, bool tabulate)
{
    if (model.single)
    {
        return std::make_unique<Engine<float>>(model, tabulate);
    }
    return std::make_unique<Engine<double>>(model, tabulate);
}
} // namespace dgmx::native
