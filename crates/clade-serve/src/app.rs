//! The routes: which URL is which page or action, the guard every request
//! passes first, and the headers every answer carries. Archive work runs on
//! tokio's blocking pool (git2 blocks), one fresh archive per request.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, Path, Query, Request, State as Shared};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use clade_archive::Archive;
use serde::Deserialize;

use crate::html::{STYLE, esc, page};
use crate::pages::{self, Missing, Notice};
use crate::security::{self, Policy, Verdict};
use crate::svg::Filter;

pub(crate) struct State {
    repo: PathBuf,
    authority: String,
    policy: Policy,
    reference: Option<crate::Reference>,
}

impl State {
    pub(crate) fn new(
        repo: PathBuf,
        bound: SocketAddr,
        token: String,
        read_only: bool,
        reference: Option<crate::Reference>,
    ) -> State {
        let port = bound.port();
        // On every interface, the URL names this machine as others reach
        // it, and the loopback names stay valid.
        let authority = if bound.ip().is_unspecified() {
            format!("{}:{port}", hostname())
        } else {
            bound.to_string()
        };
        let mut hosts = vec![authority.clone()];
        if bound.ip().is_loopback() || bound.ip().is_unspecified() {
            hosts.push(format!("localhost:{port}"));
            hosts.push(format!("127.0.0.1:{port}"));
        }
        let mut seen = std::collections::HashSet::new();
        hosts.retain(|host| seen.insert(host.clone()));
        State {
            repo,
            policy: Policy {
                token,
                hosts,
                origin: format!("http://{authority}"),
                cookie: format!("clade_token_{port}"),
                read_only,
            },
            authority,
            reference,
        }
    }

    pub(crate) fn authority(&self) -> &str {
        &self.authority
    }
}

/// This machine's name, as `/etc/hostname` says (else `localhost`).
fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|name| name.trim().to_string())
        .filter(|name| {
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        })
        .unwrap_or_else(|| "localhost".into())
}

pub(crate) fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/", get(dashboard))
        .route("/runs/{run}", get(run_page))
        .route("/runs/{run}/events", get(run_events))
        .route("/runs/{run}/{id}", get(variant_page))
        .route("/runs/{run}/{id}/branch", post(branch))
        .route("/runs/{run}/{id}/promote", post(promote))
        .route("/compare", get(compare))
        .route("/assets/style.css", get(style))
        .route("/assets/live.js", get(live_js))
        .fallback(|| async { refusal(StatusCode::NOT_FOUND, "no such page") })
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

/// Every request: the policy's verdict first, then hardening headers on
/// whatever is answered (the only script is Clade's own file: the policy
/// forbids inline script, should escaping ever fail).
async fn guard(Shared(state): Shared<Arc<State>>, request: Request, next: Next) -> Response {
    let verdict = security::check(
        &state.policy,
        request.method(),
        request.uri(),
        request.headers(),
    );
    let mut response = match verdict {
        Verdict::Pass => next.run(request).await,
        Verdict::SetCookie { location } => {
            let cookie = format!(
                "{}={}; Path=/; HttpOnly; SameSite=Strict",
                state.policy.cookie, state.policy.token
            );
            (
                StatusCode::SEE_OTHER,
                [(header::SET_COOKIE, cookie), (header::LOCATION, location)],
            )
                .into_response()
        }
        Verdict::Refuse { status, why } => refusal(status, &why),
    };
    let headers = response.headers_mut();
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

fn refusal(status: StatusCode, why: &str) -> Response {
    let body = page(
        "refused",
        &[],
        &format!(r#"<div class="message refused">{}</div>"#, esc(why)),
    );
    (status, Html(body)).into_response()
}

/// Runs `work` on an archive opened for this request, on the blocking pool.
async fn with_archive(
    state: &Arc<State>,
    work: impl FnOnce(&Archive) -> Result<String, Missing> + Send + 'static,
) -> Response {
    let repo = state.repo.clone();
    let result = tokio::task::spawn_blocking(move || {
        let archive =
            Archive::open(&repo).map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
        work(&archive).map_err(|Missing(why)| (StatusCode::NOT_FOUND, why))
    })
    .await;
    match result {
        Ok(Ok(body)) => Html(body).into_response(),
        Ok(Err((status, why))) => refusal(status, &why),
        Err(e) => refusal(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("the page failed: {e}"),
        ),
    }
}

async fn dashboard(Shared(state): Shared<Arc<State>>) -> Response {
    with_archive(&state, pages::dashboard).await
}

#[derive(Deserialize, Default)]
struct FilterQuery {
    status: Option<String>,
    island: Option<usize>,
    operator: Option<String>,
    model: Option<String>,
    reason: Option<String>,
}

async fn run_page(
    Shared(state): Shared<Arc<State>>,
    Path(run): Path<String>,
    Query(query): Query<FilterQuery>,
) -> Response {
    let filter = Filter {
        status: query.status,
        island: query.island,
        operator: query.operator,
        model: query.model,
        reason: query.reason,
    };
    let reference = state.reference.clone();
    with_archive(&state, move |archive| {
        pages::run(archive, &run, &filter, reference.as_ref())
    })
    .await
}

async fn variant_page(
    Shared(state): Shared<Arc<State>>,
    Path((run, id)): Path<(String, u64)>,
) -> Response {
    let actions =
        (!state.policy.read_only).then(|| crate::actions::buttons(&run, id, &state.policy.token));
    with_archive(&state, move |archive| {
        pages::variant(archive, &run, id, actions.as_deref(), None)
    })
    .await
}

#[derive(Deserialize)]
struct ActionForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    name: String,
}

async fn branch(
    Shared(state): Shared<Arc<State>>,
    Path((run, id)): Path<(String, u64)>,
    Form(form): Form<ActionForm>,
) -> Response {
    act(state, run, id, form, |archive, run, id, name| {
        crate::actions::branch(archive, run, id, name)
    })
    .await
}

async fn promote(
    Shared(state): Shared<Arc<State>>,
    Path((run, id)): Path<(String, u64)>,
    Form(form): Form<ActionForm>,
) -> Response {
    act(state, run, id, form, |archive, run, id, _| {
        crate::actions::promote(archive, run, id)
    })
    .await
}

/// An action, then the variant's page with its outcome on top.
async fn act(
    state: Arc<State>,
    run: String,
    id: u64,
    form: ActionForm,
    action: impl FnOnce(&Archive, &str, u64, Option<&str>) -> Notice + Send + 'static,
) -> Response {
    if !security::form_token_ok(&state.policy, &form.token) {
        return refusal(
            StatusCode::FORBIDDEN,
            "the form does not carry this server's token",
        );
    }
    let actions = crate::actions::buttons(&run, id, &state.policy.token);
    let name = Some(form.name.trim().to_string()).filter(|n| !n.is_empty());
    with_archive(&state, move |archive| {
        let notice = action(archive, &run, id, name.as_deref());
        pages::variant(archive, &run, id, Some(&actions), Some(notice))
    })
    .await
}

#[derive(Deserialize)]
struct CompareQuery {
    a: String,
    b: String,
}

async fn compare(Shared(state): Shared<Arc<State>>, Query(query): Query<CompareQuery>) -> Response {
    with_archive(&state, move |archive| {
        pages::compare(archive, &query.a, &query.b)
    })
    .await
}

/// The run's variant count as server-sent events: one event when the
/// stream opens (unless the browser's `Last-Event-ID` says it saw that
/// count) and one whenever the count changes. The archive's version is
/// checked every second; the archive is opened only when it moved.
async fn run_events(
    Shared(state): Shared<Arc<State>>,
    Path(run): Path<String>,
    headers: axum::http::HeaderMap,
) -> Response {
    use axum::response::sse::{Event, KeepAlive, Sse};
    let seen: Option<usize> = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let repo = state.repo.clone();
    let stream = futures_util::stream::unfold((seen, None), move |(mut seen, mut version)| {
        let (repo, run) = (repo.clone(), run.clone());
        async move {
            loop {
                let (repo, run, known) = (repo.clone(), run.clone(), version.clone());
                let looked = tokio::task::spawn_blocking(move || {
                    let now = Archive::version(&repo).ok()?;
                    if known.as_ref() == Some(&now) {
                        return Some((now, None));
                    }
                    let count = Archive::open(&repo).ok()?.variant_count(&run).ok();
                    Some((now, count))
                })
                .await
                .ok()
                .flatten();
                if let Some((now, count)) = looked {
                    version = Some(now);
                    if let Some(count) = count.filter(|c| Some(*c) != seen) {
                        seen = Some(count);
                        let event = Event::default()
                            .id(count.to_string())
                            .event("variants")
                            .data(count.to_string());
                        return Some((Ok::<_, std::convert::Infallible>(event), (seen, version)));
                    }
                }
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        }
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

async fn live_js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        crate::html::LIVE_JS,
    )
        .into_response()
}

async fn style() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE).into_response()
}
