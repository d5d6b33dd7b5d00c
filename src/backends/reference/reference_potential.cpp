/*! \file
 * \brief Analytic reference backend: a Stillinger-Weber-like short-range many-body potential
 * used for exact tests of the decomposition. Not a physical force field; the per-element
 * parameters are made up but smooth in the element's covalent radius.
 *
 * E = sum over owned i of [ 1/2 sum_j phi_ij(r_ij)
 *                          + lambda_i sum_{j<k} s(r_ij) s(r_ik) (cos theta_jik - c0)^2 ]
 * phi_ij(r) = eps_ij (exp(-2 (r - r0_ij)/a) - 2 exp(-(r - r0_ij)/a)) s(r)   (Morse, switched)
 * s(r) = (1 - r^2/rc^2)^3 for r < rc, else 0: value, slope and curvature vanish at rc.
 */
#include "backends/reference/reference_potential.h"

#include "common/error.h"

#include <cmath>
#include <string>

namespace dgmx
{
namespace
{
struct Element
{
    const char* symbol;
    double      radius; //!< nm, covalent radius
    int         z;
};

// Covalent radii (nm); ordered by atomic number.
constexpr Element c_elements[] = {
    { "H", 0.031, 1 },   { "He", 0.028, 2 },  { "Li", 0.128, 3 },  { "Be", 0.096, 4 },
    { "B", 0.084, 5 },   { "C", 0.076, 6 },   { "N", 0.071, 7 },   { "O", 0.066, 8 },
    { "F", 0.057, 9 },   { "Ne", 0.058, 10 }, { "Na", 0.166, 11 }, { "Mg", 0.141, 12 },
    { "Al", 0.121, 13 }, { "Si", 0.111, 14 }, { "P", 0.107, 15 },  { "S", 0.105, 16 },
    { "Cl", 0.102, 17 }, { "Ar", 0.106, 18 }, { "K", 0.203, 19 },  { "Ca", 0.176, 20 },
    { "Mn", 0.139, 25 }, { "Fe", 0.132, 26 }, { "Co", 0.126, 27 }, { "Ni", 0.124, 28 },
    { "Cu", 0.132, 29 }, { "Zn", 0.122, 30 }, { "Se", 0.120, 34 }, { "Br", 0.120, 35 },
    { "Rb", 0.220, 37 }, { "Sr", 0.195, 38 }, { "I", 0.139, 53 },  { "Cs", 0.244, 55 },
};
constexpr int    c_nElements = static_cast<int>(sizeof(c_elements) / sizeof(c_elements[0]));
constexpr double c_cutoff    = 0.6;       //!< nm
constexpr double c_morseA    = 0.05;      //!< nm, Morse width
constexpr double c_cos0      = -1.0 / 3;  //!< preferred angle: tetrahedral

double eps(int t)
{
    return 1.0 + 0.05 * c_elements[t].z; // kJ/mol
}
double lambda(int t)
{
    return 2.0 + 0.3 * (c_elements[t].z % 7); // kJ/mol
}

//! s(r) and ds/dr.
inline void switchFn(double r, double& s, double& ds)
{
    const double rc2 = c_cutoff * c_cutoff;
    const double u   = 1.0 - r * r / rc2;
    s                = u * u * u;
    ds               = -6.0 * u * u * r / rc2;
}

class ReferenceBackend final : public IBackend
{
public:
    double                   cutoff() const override { return c_cutoff; }
    std::vector<std::string> typeMap() const override
    {
        std::vector<std::string> names;
        for (const auto& e : c_elements)
        {
            names.emplace_back(e.symbol);
        }
        return names;
    }
    std::string describe() const override
    {
        return "reference (analytic Stillinger-Weber-like potential, rc = 0.6 nm, double)";
    }
    void compute(const BackendInput& in, BackendOutput& out) override;
};

void ReferenceBackend::compute(const BackendInput& in, BackendOutput& out)
{
    const int n = in.nOwned + in.nGhost;
    if (in.positions.size() != 3 * static_cast<std::size_t>(n) || in.types.size() != static_cast<std::size_t>(n)
        || in.neighbours == nullptr || in.neighbours->offsets.size() != static_cast<std::size_t>(in.nOwned) + 1)
    {
        throw Error("reference backend: inconsistent input sizes (positions, types or neighbour list)");
    }
    for (int i = 0; i < n; ++i)
    {
        if (in.types[i] < 0 || in.types[i] >= c_nElements)
        {
            throw Error("reference backend: atom type " + std::to_string(in.types[i])
                        + " is outside the type map (0.." + std::to_string(c_nElements - 1) + ")");
        }
    }
    const auto& x = in.positions;
    out.energy    = 0;
    out.forces.assign(3 * static_cast<std::size_t>(n), 0.0);
    out.virial.fill(0.0);
    if (out.wantAtomEnergies)
    {
        out.atomEnergies.assign(in.nOwned, 0.0);
    }
    const auto&         list = *in.neighbours;
    std::vector<int>    nb;
    std::vector<double> d, r, s, ds;
    for (int i = 0; i < in.nOwned; ++i)
    {
        nb.clear();
        d.clear();
        r.clear();
        s.clear();
        ds.clear();
        for (int p = list.offsets[i]; p < list.offsets[i + 1]; ++p)
        {
            const int    j  = list.indices[p];
            const double dx = x[3 * j] - x[3 * i], dy = x[3 * j + 1] - x[3 * i + 1],
                         dz = x[3 * j + 2] - x[3 * i + 2];
            const double rr = std::sqrt(dx * dx + dy * dy + dz * dz);
            if (rr >= c_cutoff || j == i)
            {
                continue;
            }
            if (!(rr > 0))
            {
                throw Error("reference backend: two atoms at the same position");
            }
            double sv, dsv;
            switchFn(rr, sv, dsv);
            nb.push_back(j);
            d.insert(d.end(), { dx, dy, dz });
            r.push_back(rr);
            s.push_back(sv);
            ds.push_back(dsv);
        }
        double       ei = 0;
        const int    ti = in.types[i];
        const double li = lambda(ti);
        for (std::size_t a = 0; a < nb.size(); ++a)
        {
            const int    tj  = in.types[nb[a]];
            const double e   = std::sqrt(eps(ti) * eps(tj));
            const double r0  = c_elements[ti].radius + c_elements[tj].radius;
            const double q   = std::exp(-(r[a] - r0) / c_morseA);
            const double m   = e * (q * q - 2 * q);
            const double dm  = e * (-2 * q * q + 2 * q) / c_morseA;
            ei += 0.5 * m * s[a];
            const double dEdr = 0.5 * (dm * s[a] + m * ds[a]);
            for (int k = 0; k < 3; ++k)
            {
                const double f = dEdr * d[3 * a + k] / r[a];
                out.forces[3 * nb[a] + k] -= f;
                out.forces[3 * i + k] += f;
            }
            for (std::size_t b = a + 1; b < nb.size(); ++b)
            {
                const double* u   = &d[3 * a];
                const double* v   = &d[3 * b];
                const double  ruv = r[a] * r[b];
                const double  c   = (u[0] * v[0] + u[1] * v[1] + u[2] * v[2]) / ruv;
                const double  h   = (c - c_cos0) * (c - c_cos0);
                const double  dh  = 2 * (c - c_cos0);
                ei += li * s[a] * s[b] * h;
                for (int k = 0; k < 3; ++k)
                {
                    const double dcdu = v[k] / ruv - c * u[k] / (r[a] * r[a]);
                    const double dcdv = u[k] / ruv - c * v[k] / (r[b] * r[b]);
                    const double gu   = li * (ds[a] * s[b] * h * u[k] / r[a] + s[a] * s[b] * dh * dcdu);
                    const double gv   = li * (s[a] * ds[b] * h * v[k] / r[b] + s[a] * s[b] * dh * dcdv);
                    out.forces[3 * nb[a] + k] -= gu;
                    out.forces[3 * nb[b] + k] -= gv;
                    out.forces[3 * i + k] += gu + gv;
                }
            }
        }
        out.energy += ei;
        if (out.wantAtomEnergies)
        {
            out.atomEnergies[i] = ei;
        }
    }
    for (int i = 0; i < n; ++i)
    {
        for (int a = 0; a < 3; ++a)
        {
            for (int b = 0; b < 3; ++b)
            {
                out.virial[3 * a + b] -= 0.5 * x[3 * i + a] * out.forces[3 * i + b];
            }
        }
    }
}
} // namespace

std::unique_ptr<IBackend> makeReferenceBackend()
{
    return std::make_unique<ReferenceBackend>();
}
} // namespace dgmx
