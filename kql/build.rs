//! Generates the parser from `src/parser/grammar.lalrpop` into `OUT_DIR`, and
//! prints how long LALRPOP took (see `cargo build -vv`), since it runs in every
//! cold build.

fn main() {
    let started = std::time::Instant::now();
    lalrpop::Configuration::new()
        .use_cargo_dir_conventions()
        .emit_rerun_directives(true)
        .process()
        .expect("the KQL grammar failed to generate");
    eprintln!("lalrpop took {:.2}s", started.elapsed().as_secs_f64());
}
