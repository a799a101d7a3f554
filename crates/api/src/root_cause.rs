//! The root-cause taxonomy.

use switchboard_store::taxonomy;
pub use switchboard_store::taxonomy::{Label, RootCause};

use crate::{Ctx, Result};

pub fn root_cause_add(ctx: &Ctx, name: &str, parent: Option<&str>) -> Result<RootCause> {
    let now = ctx.now();
    Ok(ctx
        .store()
        .write(|tx| taxonomy::add(tx, name, parent, now))?)
}

pub fn root_cause_list(ctx: &Ctx) -> Result<Vec<RootCause>> {
    Ok(taxonomy::list(ctx.store().conn())?)
}

pub fn label_list(ctx: &Ctx) -> Result<Vec<Label>> {
    Ok(taxonomy::labels(ctx.store().conn())?)
}
