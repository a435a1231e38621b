//! Rebuilds the binary when the embedded content pack changes: `include_dir!`
//! reads the folder at compile time but does not tell cargo to watch it.

fn main() {
    println!("cargo:rerun-if-changed=content");
}
