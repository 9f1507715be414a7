//! `clade serve --export DIR`: the same pages as static files, for sharing
//! (a folder to zip, a static web host, or straight from the disk): the
//! dashboard, every run and every variant, each an `index.html` in a folder
//! named like its URL, with links made relative. No live updates, no
//! buttons, no filters (a filter link leads to the unfiltered run).

use std::path::Path;

use clade_archive::Archive;

use crate::html::{STYLE, url_part};
use crate::pages;
use crate::svg::Filter;

/// Writes every page of the archive at `repo` under `out`; returns how
/// many pages it wrote.
pub fn export(
    repo: &Path,
    out: &Path,
    reference: Option<&crate::Reference>,
) -> Result<usize, crate::ServeError> {
    let failed = |message: String| crate::ServeError::Archive {
        repo: repo.to_path_buf(),
        message,
    };
    let archive = Archive::open(repo).map_err(|e| failed(e.to_string()))?;
    std::fs::create_dir_all(out.join("assets"))?;
    std::fs::write(out.join("assets/style.css"), STYLE)?;
    let mut written = 0;
    let mut write = |folder: &Path, depth: usize, html: String| -> std::io::Result<()> {
        std::fs::create_dir_all(folder)?;
        std::fs::write(folder.join("index.html"), relink(&html, depth))?;
        written += 1;
        Ok(())
    };
    let page =
        |result: Result<String, pages::Missing>| result.map_err(|pages::Missing(why)| failed(why));
    write(out, 0, page(pages::dashboard(&archive))?)?;
    let runs: Vec<String> = archive.runs().map(|r| r.name.clone()).collect();
    for run in runs {
        let folder = out.join("runs").join(url_part(&run));
        write(
            &folder,
            2,
            page(pages::run(&archive, &run, &Filter::default(), reference))?,
        )?;
        for variant in archive.variants(&run).map_err(|e| failed(e.to_string()))? {
            let id = variant.meta.id;
            let html = page(pages::variant(&archive, &run, id, None, None))?;
            write(&folder.join(id.to_string()), 3, html)?;
        }
    }
    Ok(written)
}

/// The page with its site-absolute links made relative to a page `depth`
/// folders below the export's root, each naming its `index.html`; the live
/// script and anything without a static page (compare) are left out.
fn relink(html: &str, depth: usize) -> String {
    let html = html.replace("<script src=\"/assets/live.js\"></script>\n", "");
    let up = "../".repeat(depth);
    let mut out = String::with_capacity(html.len());
    let mut rest = html.as_str();
    while let Some(at) = rest.find("=\"/") {
        let (before, after) = rest.split_at(at + 2);
        out.push_str(before);
        let end = after.find('"').unwrap_or(after.len());
        let (url, tail) = after.split_at(end);
        out.push_str(&static_target(url, &up));
        rest = tail;
    }
    out.push_str(rest);
    out
}

/// Where a site-absolute URL's page is in the export, from `up`.
fn static_target(url: &str, up: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or("/");
    if path.starts_with("/assets/") {
        return format!("{up}{}", &path[1..]);
    }
    if path == "/" || path.starts_with("/compare") {
        return format!("{up}index.html");
    }
    format!(
        "{up}{}/index.html",
        path.trim_start_matches('/').trim_end_matches('/')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_become_relative_files() {
        let page = r#"<a href="/">runs</a><a href="/runs/r?status=rejected">r</a><a href="/runs/r/3">#3</a><link rel="stylesheet" href="/assets/style.css"><script src="/assets/live.js"></script>
x"#;
        assert_eq!(
            relink(page, 2),
            r#"<a href="../../index.html">runs</a><a href="../../runs/r/index.html">r</a><a href="../../runs/r/3/index.html">#3</a><link rel="stylesheet" href="../../assets/style.css">x"#
        );
    }
}
