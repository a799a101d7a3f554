//! The TypeScript bindings in ui/src/lib/backend/generated/ are rendered from the command table
//! (`switchboard_api::rpc`) with ts-rs. This test renders them again and fails when the files on
//! disk differ, so a Rust type that changed without the UI noticing fails CI. With
//! `UPDATE_BINDINGS=1` it writes the files instead.

use std::any::TypeId;
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use switchboard_api::rpc::{self, CommandVisitor};
use ts_rs::{Config, TS, TypeVisitor};

const FIX: &str = "UPDATE_BINDINGS=1 cargo test -p switchboard-api --test bindings";

/// Collects the declaration of every named type reachable from the table.
struct Decls<'a> {
    cfg: &'a Config,
    seen: HashSet<TypeId>,
    /// TS name → (Rust type name, declaration).
    decls: BTreeMap<String, (&'static str, String)>,
    clashes: Vec<String>,
}

impl TypeVisitor for Decls<'_> {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        if !self.seen.insert(TypeId::of::<T>()) {
            return;
        }
        if T::output_path().is_some() {
            let name = T::ident(self.cfg);
            let rust = std::any::type_name::<T>();
            let mut decl = String::new();
            if let Some(docs) = T::docs() {
                decl.push_str(&docs);
            }
            decl.push_str("export ");
            decl.push_str(&T::decl(self.cfg));
            match self.decls.get(&name) {
                // The same declaration under two Rust paths (serde_json::Value is an alias of
                // ts-rs's own JSON type) is one TypeScript type.
                Some((other, d)) if *d != decl => self.clashes.push(format!(
                    "{name}: both {other} and {rust} render to this TypeScript name; rename one with #[ts(rename = \"...\")]"
                )),
                _ => {
                    self.decls.insert(name, (rust, decl));
                }
            }
        }
        T::visit_dependencies(self);
        T::visit_generics(self);
    }
}

struct Commands<'a> {
    decls: Decls<'a>,
    lines: Vec<String>,
}

impl CommandVisitor for Commands<'_> {
    fn command<P: TS + 'static, R: TS + 'static>(&mut self, name: &'static str) {
        self.decls.visit::<P>();
        self.decls.visit::<R>();
        let cfg = self.decls.cfg;
        self.lines.push(format!(
            "  {name}: {{ params: {}; result: {} }};",
            P::name(cfg),
            R::name(cfg)
        ));
    }
}

const HEADER: &str = "// Generated from crates/api/src/rpc.rs by crates/api/tests/bindings.rs. Do not edit.\n\
// Regenerate: UPDATE_BINDINGS=1 cargo test -p switchboard-api --test bindings\n";

fn render() -> Vec<(PathBuf, String)> {
    // Every number the API sends is an i64 of milliseconds or a row id, far below 2^53.
    let cfg = Config::new().with_large_int("number");
    let mut c = Commands {
        decls: Decls {
            cfg: &cfg,
            seen: HashSet::new(),
            decls: BTreeMap::new(),
            clashes: Vec::new(),
        },
        lines: Vec::new(),
    };
    rpc::visit_commands(&mut c);
    // Types that cross without being a command's params or result.
    c.decls.visit::<switchboard_api::ApiError>();
    c.decls.visit::<switchboard_api::ChangeSet>();
    assert!(c.decls.clashes.is_empty(), "{}", c.decls.clashes.join("\n"));

    let mut types = String::from(HEADER);
    for (_, decl) in c.decls.decls.values() {
        types.push('\n');
        types.push_str(decl.trim_end());
        types.push('\n');
    }

    // Import only what the map names (the UI's tsconfig rejects unused imports).
    let used = |name: &str| {
        c.lines.iter().any(|line| {
            line.split(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
                .any(|word| word == name)
        })
    };
    let names: Vec<&str> = c
        .decls
        .decls
        .keys()
        .map(String::as_str)
        .filter(|n| used(n))
        .collect();
    let mut commands = String::from(HEADER);
    commands.push_str(&format!(
        "\nimport type {{ {} }} from './types';\n",
        names.join(", ")
    ));
    commands.push_str(
        "\n/** Every command of the table: `backend.call(name, params)` resolves to `result`. */\n",
    );
    commands.push_str("export interface Commands {\n");
    for line in &c.lines {
        commands.push_str(line);
        commands.push('\n');
    }
    commands.push_str("}\n\nexport type CommandName = keyof Commands;\n");
    commands.push_str("\n/** Every command name, in table order. */\nexport const COMMAND_NAMES: readonly CommandName[] = [\n");
    for name in rpc::COMMANDS {
        commands.push_str(&format!("  '{name}',\n"));
    }
    commands.push_str("];\n");

    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/backend/generated");
    vec![
        (dir.join("types.ts"), types),
        (dir.join("commands.ts"), commands),
    ]
}

#[test]
fn typescript_bindings_match_the_command_table() {
    let update = std::env::var_os("UPDATE_BINDINGS").is_some_and(|v| v == "1");
    let mut drift = Vec::new();
    for (path, text) in render() {
        if update {
            std::fs::create_dir_all(path.parent().expect("parent")).expect("create generated/");
            std::fs::write(&path, &text).expect("write bindings");
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(on_disk) if on_disk == text => {}
            Ok(_) => drift.push(format!("{} is out of date", path.display())),
            Err(e) => drift.push(format!("{} cannot be read: {e}", path.display())),
        }
    }
    assert!(
        drift.is_empty(),
        "TypeScript bindings drifted from crates/api/src/rpc.rs:\n  {}\nfix: {FIX}",
        drift.join("\n  ")
    );
}

#[test]
fn every_command_name_is_unique_and_snake_case() {
    let mut seen = HashSet::new();
    for name in rpc::COMMANDS {
        assert!(seen.insert(*name), "command {name} is listed twice");
        assert!(
            name.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "command {name} is not snake_case"
        );
    }
}
