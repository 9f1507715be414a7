//! The reviewer's actions: make a branch at a variant, promote a variant
//! onto the current branch. They call the archive's own functions (the
//! CLI's `clade branch` and `clade promote`) and report their outcome or
//! refusal in the archive's words.

use std::fmt::Write;

use clade_archive::Archive;

use crate::html::{esc, url_part};
use crate::pages::Notice;

pub(crate) fn branch(archive: &Archive, run: &str, id: u64, name: Option<&str>) -> Notice {
    match archive.create_branch(run, id, name) {
        Ok(name) => {
            let commit = archive
                .variant(run, id)
                .map(|v| v.commit)
                .unwrap_or_default();
            Notice::Done(format!("created branch {name} at {commit} ({run}/{id})"))
        }
        Err(e) => Notice::Refused(e.to_string()),
    }
}

pub(crate) fn promote(archive: &Archive, run: &str, id: u64) -> Notice {
    match archive.promote(run, id) {
        Ok(commit) => Notice::Done(format!(
            "promoted {run}/{id} onto the current branch as {commit}"
        )),
        Err(e) => Notice::Refused(e.to_string()),
    }
}

/// The two forms, each carrying the token.
pub(crate) fn buttons(run: &str, id: u64, token: &str) -> String {
    let base = format!("/runs/{}/{id}", url_part(run));
    let mut out = String::from(r#"<div class="actions">"#);
    let _ = write!(
        out,
        r#"<form class="inline" method="post" action="{base}/branch"><input type="hidden" name="token" value="{t}"><input name="name" placeholder="clade/{r}/{id}" aria-label="branch name"> <button id="make-branch" type="submit">make branch</button></form><form class="inline" method="post" action="{base}/promote"><input type="hidden" name="token" value="{t}"><button id="promote" type="submit">promote onto the current branch</button></form>"#,
        t = esc(token),
        r = esc(run),
    );
    out.push_str("</div>");
    out
}
