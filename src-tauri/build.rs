//! The Tauri config lives at the repository root (one config for the whole app), so point
//! tauri-build at it; `generate_context!` in main.rs names the same file.

fn main() {
    tauri_build::try_build(tauri_build::Attributes::new().config_path("../tauri.conf.json"))
        .expect("tauri-build failed");
}
