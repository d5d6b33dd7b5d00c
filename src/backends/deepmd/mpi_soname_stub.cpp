/*! \file
 * \brief An empty shared library whose SONAME is libmpi.so.12 (built as
 * deepmd-stub/libmpi.so.12).
 *
 * DeePMD-kit's libdeepmd_op_pt.so lists MPICH's libmpi.so.12 as NEEDED. In a process that
 * already runs Open MPI (ours, gmx_mpi), MPICH's library cannot load: it needs libfabric
 * 1.9 symbols and the process already holds the system's libfabric 2.x under the same soname.
 * The MPI functions the op library references only run for message-passing models, which the
 * backend rejects, and resolve against the process's MPI anyway (global scope comes first).
 * Loading this stand-in satisfies the NEEDED entry without a second MPI.
 */
namespace dgmx
{
//! Marks the stand-in; nothing calls it.
extern "C" int dgmx_mpi_soname_stub_marker()
{
    return 12;
}
} // namespace dgmx
