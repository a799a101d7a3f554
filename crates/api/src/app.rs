//! The running app's workspace holder, shared by the desktop shell, the HTTP server and the
//! command table ([`crate::rpc`]).
//!
//! Why it exists: the sample-data workspace lives in its own folder (`<data_dir>/demo`) so it
//! never mixes with real data and removing it is deleting a folder. Switching between the two
//! means swapping the [`Ctx`] every command uses, and keeping the change feed that front ends
//! listen to alive across the swap. Front ends therefore hold an [`App`], ask it for the
//! current `Ctx` per call, and subscribe to the app rather than to one store.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, RwLock};

use switchboard_store::{ChangeSet, Entity};

use crate::workspace::workspace_init;
use crate::{Clock, Ctx, MemorySecrets, Result, Secrets};

/// Folder name of the demo workspace inside the real data folder.
pub const DEMO_DIR: &str = "demo";

/// Every entity a front end may show. A change set holding all of them with id 0 means "reload
/// everything": the workspace was switched or another process wrote (ids unknown). No stored
/// row has id 0.
const ALL_ENTITIES: [Entity; 15] = [
    Entity::Account,
    Entity::Contact,
    Entity::Conversation,
    Entity::Message,
    Entity::Case,
    Entity::RootCause,
    Entity::Label,
    Entity::Note,
    Entity::FollowUp,
    Entity::Template,
    Entity::ProtocolRule,
    Entity::Outbox,
    Entity::SyncState,
    Entity::Event,
    Entity::Alert,
];

/// A change set that asks every view to reload (see [`ALL_ENTITIES`]).
pub fn reload_everything() -> ChangeSet {
    let mut c = ChangeSet::default();
    for e in ALL_ENTITIES {
        c.add(e, 0);
    }
    c
}

type Subscribers = Arc<Mutex<Vec<Sender<ChangeSet>>>>;

pub struct App {
    home: PathBuf,
    clock: Arc<dyn Clock>,
    secrets: Arc<dyn Secrets>,
    active: RwLock<Arc<Ctx>>,
    subscribers: Subscribers,
    /// `PRAGMA data_version` last seen on the active store; -1 after a switch.
    data_version: AtomicI64,
    /// Imports started from a front end, running or done (see [`crate::import::import_start`]).
    imports: crate::import::ImportJobs,
}

impl App {
    /// Opens the workspace in `home` (creating and migrating it if needed), or the demo
    /// workspace inside it when one exists (the user was trying the sample data).
    pub fn open(home: &Path, clock: Arc<dyn Clock>, secrets: Arc<dyn Secrets>) -> Result<Arc<App>> {
        workspace_init(home)?;
        let demo = home.join(DEMO_DIR);
        let demo_active = demo.join(switchboard_store::DB_FILE).exists();
        let subscribers: Subscribers = Arc::default();
        let ctx = if demo_active {
            open_ctx(&demo, &clock, &demo_secrets(), &subscribers)?
        } else {
            open_ctx(home, &clock, &secrets, &subscribers)?
        };
        Ok(Arc::new(App {
            home: home.to_path_buf(),
            clock,
            secrets,
            active: RwLock::new(ctx),
            subscribers,
            data_version: AtomicI64::new(-1),
            imports: Default::default(),
        }))
    }

    /// The workspace commands act on now. Hold it for one call, not longer: a switch replaces it.
    pub fn ctx(&self) -> Arc<Ctx> {
        self.active
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The real data folder (never the demo's).
    pub fn home(&self) -> &Path {
        &self.home
    }

    pub fn demo_dir(&self) -> PathBuf {
        self.home.join(DEMO_DIR)
    }

    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    /// True while the active workspace is the demo.
    pub fn demo_active(&self) -> bool {
        self.ctx().data_dir() == self.demo_dir()
    }

    /// Makes the demo folder the active workspace (it must already hold a database).
    pub fn switch_to_demo(&self) -> Result<()> {
        let ctx = open_ctx(
            &self.demo_dir(),
            &self.clock,
            &demo_secrets(),
            &self.subscribers,
        )?;
        self.replace(ctx);
        Ok(())
    }

    /// Makes the real workspace active again.
    pub fn switch_to_home(&self) -> Result<()> {
        let ctx = open_ctx(&self.home, &self.clock, &self.secrets, &self.subscribers)?;
        self.replace(ctx);
        Ok(())
    }

    fn replace(&self, ctx: Arc<Ctx>) {
        *self.active.write().unwrap_or_else(|p| p.into_inner()) = ctx;
        self.data_version.store(-1, Ordering::SeqCst);
        publish(&self.subscribers, &reload_everything());
    }

    pub(crate) fn imports(&self) -> &crate::import::ImportJobs {
        &self.imports
    }

    /// Tells subscribers that background import `id` moved on: a change of entity `import`,
    /// not a commit (the messages it stores are published as they commit).
    pub(crate) fn announce_import(&self, id: i64) {
        let mut c = ChangeSet::default();
        c.add(Entity::Import, id);
        publish(&self.subscribers, &c);
    }

    /// Change sets of whichever workspace is active, for as long as the receiver lives.
    pub fn subscribe(&self) -> Receiver<ChangeSet> {
        let (tx, rx) = channel();
        self.subscribers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(tx);
        rx
    }

    /// Notices commits made by another process (the CLI, a second server) on the active
    /// database and tells subscribers to reload. SQLite bumps `PRAGMA data_version` on a
    /// connection only for other connections' commits, so the app's own writes (already
    /// published with exact ids) do not trigger it. Returns true when it published. Cheap:
    /// call it on a timer from a background thread.
    pub fn poll_external_writes(&self) -> Result<bool> {
        let version: i64 = {
            let ctx = self.ctx();
            let store = ctx.store();
            store
                .conn()
                .query_row("PRAGMA data_version", [], |r| r.get(0))
                .map_err(switchboard_store::StoreError::from)?
        };
        let before = self.data_version.swap(version, Ordering::SeqCst);
        if before != -1 && before != version {
            publish(&self.subscribers, &reload_everything());
            return Ok(true);
        }
        Ok(false)
    }
}

/// The demo's accounts have no secrets; an in-memory store keeps the OS keychain untouched.
fn demo_secrets() -> Arc<dyn Secrets> {
    Arc::new(MemorySecrets::default())
}

fn open_ctx(
    dir: &Path,
    clock: &Arc<dyn Clock>,
    secrets: &Arc<dyn Secrets>,
    subscribers: &Subscribers,
) -> Result<Arc<Ctx>> {
    let store = switchboard_store::Store::open(dir)?;
    let ctx = Arc::new(Ctx::with_parts(store, clock.clone(), secrets.clone()));
    let changes = ctx.subscribe();
    let subscribers = subscribers.clone();
    // Ends when the store drops its sender, i.e. when this Ctx is replaced and released.
    let spawned = std::thread::Builder::new()
        .name("app-changes".into())
        .spawn(move || {
            for change in changes {
                publish(&subscribers, &change);
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start the change forwarder; views will not refresh live");
    }
    Ok(ctx)
}

fn publish(subscribers: &Subscribers, change: &ChangeSet) {
    subscribers
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .retain(|s| s.send(change.clone()).is_ok());
}
