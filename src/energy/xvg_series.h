/*! \file
 * \brief An .xvg written one row at a time while a run goes on (the plugin's NN energy): each
 * row is flushed, so the file is complete if the run is killed, and a run continued from a
 * checkpoint keeps the rows before the step it continues from and appends after them.
 */
#pragma once

#include "energy/xvg.h"

#include <fstream>
#include <span>
#include <string>

namespace dgmx::energy
{
//! Fixed decimals, so that x values (times) read back exactly as the step times written.
struct XvgRowFormat
{
    int xWidth = 15, xDecimals = 6;  //!< the x column (time)
    int yWidth = 20, yDecimals = 10; //!< each data column, after one blank
};

class XvgSeries
{
public:
    /*! Starts \p path afresh with \p header's comments, title, labels and legends (its rows
     *  are not written). Throws dgmx::Error when the file cannot be opened or written. */
    static XvgSeries create(const std::string& path, const XvgFile& header, XvgRowFormat format = {});

    /*! Continues \p path: keeps its header lines and the rows whose x is below \p keepBelow
     *  (rows from there on were written past the checkpoint and come again), then appends. An
     *  unterminated last line (a write cut short) is dropped. A file with no header (missing or
     *  empty) is started afresh as create() does. */
    static XvgSeries resume(const std::string& path, const XvgFile& header, double keepBelow,
                            XvgRowFormat format = {});

    //! Writes one row and flushes it. Throws dgmx::Error with the system's reason when writing fails.
    void append(double x, std::span<const double> values);

private:
    XvgSeries(const std::string& path, const std::string& text, XvgRowFormat format);
    void flushOrThrow();

    std::string   path_;
    std::ofstream out_;
    XvgRowFormat  format_;
};
} // namespace dgmx::energy
