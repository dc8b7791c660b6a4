//! Server configuration: one TOML file over the compiled-in reference defaults, with
//! environment overrides; `docs/config.md` documents every key.

mod load;
mod model;

pub use load::{ENV_PREFIX, REFERENCE, load, load_str};
pub use model::{
    AuthSection, Config, Fsync, LimitsSection, LogSection, ServerSection, StorageSection,
    expand_home,
};
