//! Accounts: companies with their contacts' roll-up, and one company with
//! its traits and contacts, hottest first.

use super::leads::{Row, rows};
use crate::app::AppState;
use crate::dashboard::frame::{Frame, OrPage, PageError, render};
use crate::dashboard::session::Viewer;
use crate::dashboard::{assets, url_encode};
use crate::routes::accounts::{AccountQuery, account_cursor, account_detail, account_page};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use leadscore_store::AccountScoreRow;

/// An account row as shown.
pub struct Account {
    pub id: String,
    pub href: String,
    pub contacts: String,
    pub engaged: String,
    pub hot: String,
    pub best_fit: String,
    pub best_total: String,
    pub engagement: String,
}

fn account(f: &Frame, a: &AccountScoreRow) -> Account {
    Account {
        href: format!("/accounts/{}", url_encode(&a.account_id)),
        id: a.account_id.clone(),
        contacts: f.int(&a.contacts),
        engaged: f.int(&a.engaged_contacts),
        hot: f.int(&a.hot_contacts),
        best_fit: f.num(&a.best_fit, 1),
        best_total: f.num(&a.best_total, 1),
        engagement: f.num(&a.total_engagement, 1),
    }
}

#[derive(Template)]
#[template(path = "accounts.html")]
struct ListPage {
    f: Frame,
    assets: &'static str,
    accounts: Vec<Account>,
    next: Option<String>,
}

/// `GET /accounts`.
pub async fn list(
    State(state): State<AppState>,
    v: Viewer,
    Query(q): Query<AccountQuery>,
) -> Result<Response, PageError> {
    let f = Frame::new(&v, "accounts", None);
    let (page, limit) = account_page(&state, &q).await.or_page(&v)?;
    let next = (page.len() == limit as usize)
        .then(|| page.last().map(account_cursor))
        .flatten()
        .map(|c| format!("/accounts?cursor={}", url_encode(&c)));
    let accounts = page.iter().map(|a| account(&f, a)).collect();
    Ok(render(&ListPage {
        f,
        assets: assets::version(),
        accounts,
        next,
    }))
}

#[derive(Template)]
#[template(path = "account.html")]
struct ShowPage {
    f: Frame,
    assets: &'static str,
    id: String,
    rollup: Option<Account>,
    traits: Vec<(String, String)>,
    rows: Vec<Row>,
}

/// `GET /accounts/{id}`.
pub async fn show(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let f = Frame::new(&v, "accounts", None);
    let a = account_detail(&state, &id).await.or_page(&v)?;
    let traits = a
        .traits
        .as_ref()
        .and_then(|t| t.as_object())
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            let text = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            (k.clone(), text)
        })
        .collect();
    let rollup = a.rollup.as_ref().map(|r| account(&f, r));
    let rows = rows(&state, &f, a.contacts).await.or_page(&v)?;
    Ok(render(&ShowPage {
        f,
        assets: assets::version(),
        id,
        rollup,
        traits,
        rows,
    }))
}
