//! Rebuilds the binary when the embedded content pack or blueprints change:
//! `include_dir!` reads the folders at compile time but does not tell cargo to
//! watch them.

fn main() {
    println!("cargo:rerun-if-changed=content");
    println!("cargo:rerun-if-changed=blueprints");
}
