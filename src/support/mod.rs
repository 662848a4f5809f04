//! What every layer may use and which uses nothing of xxgk: typed errors (`error`), decoding input
//! text (`decode`) and reading its CSV records (`records`), telling the file kinds xxgk does not read (`filekind`), the caches' binary format
//! (`codec`), fast hash maps (`hash`), stage timings (`timing`), terminal progress (`progress`) and tables (`term`), computing
//! one step while another thread writes the previous one (`overlap`) and returning memory between
//! stages (`memory`).

pub mod codec;
pub mod decode;
pub mod error;
pub mod filekind;
pub mod hash;
pub mod memory;
pub mod overlap;
pub mod progress;
pub mod records;
pub mod term;
pub mod timing;
