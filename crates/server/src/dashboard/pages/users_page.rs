//! Users (admins only): the list, adding a user, changing a role, deleting.

use super::{CsrfOnly, Done};
use crate::app::AppState;
use crate::dashboard::assets;
use crate::dashboard::frame::{Frame, OrPage, PageError, check_form, render};
use crate::dashboard::session::{UserRole, Viewer};
use crate::dashboard::users::{UserError, add_user};
use crate::error::ApiError;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// A user as shown.
pub struct User {
    pub id: i64,
    pub email: String,
    pub role: String,
    pub created: String,
    pub me: bool,
}

#[derive(Template)]
#[template(path = "users.html")]
struct Page {
    f: Frame,
    assets: &'static str,
    users: Vec<User>,
    roles: Vec<(&'static str, &'static str)>,
}

fn admin_only(v: &Viewer) -> Result<(), PageError> {
    if v.role.manages_users() {
        Ok(())
    } else {
        Err(PageError::forbidden(v))
    }
}

/// `GET /users`.
pub async fn list(
    State(state): State<AppState>,
    v: Viewer,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    admin_only(&v)?;
    let f = Frame::new(&v, "users", done.done.as_deref());
    let users = state
        .store
        .users()
        .await
        .or_page(&v)?
        .into_iter()
        .map(|u| User {
            me: u.id == v.user.id,
            id: u.id,
            created: f.at(&u.created_at),
            email: u.email,
            role: u.role,
        })
        .collect();
    let roles = UserRole::ALL
        .iter()
        .map(|r| (r.as_str(), f.role_name(r.as_str())))
        .collect();
    Ok(render(&Page {
        f,
        assets: assets::version(),
        users,
        roles,
    }))
}

/// The new-user form.
#[derive(Debug, Deserialize)]
pub struct NewUser {
    csrf: String,
    email: String,
    password: String,
    role: String,
}

/// `POST /users`.
pub async fn add(
    State(state): State<AppState>,
    v: Viewer,
    Form(form): Form<NewUser>,
) -> Result<Response, PageError> {
    check_form(&v, &form.csrf, v.role.manages_users())?;
    let t = v.lang.texts();
    match add_user(
        state.store.as_ref(),
        &form.email,
        &form.password,
        &form.role,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/users?done=user").into_response()),
        Err(UserError::Taken(_)) => Err(PageError::api(&v, ApiError::conflict(t.email_taken))),
        Err(UserError::Password) => Err(PageError::api(
            &v,
            ApiError::field("password", t.password_short),
        )),
        Err(UserError::Store(e)) => Err(PageError::api(&v, e.into())),
        Err(e) => Err(PageError::api(&v, ApiError::field("user", e.to_string()))),
    }
}

/// The role form.
#[derive(Debug, Deserialize)]
pub struct RoleForm {
    csrf: String,
    role: String,
}

/// `POST /users/{id}/role`.
pub async fn role(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<RoleForm>,
) -> Result<Response, PageError> {
    check_form(&v, &form.csrf, v.role.manages_users())?;
    let role = UserRole::parse(&form.role).ok_or_else(|| {
        PageError::api(
            &v,
            ApiError::field("role", "expected admin, marketing or sales"),
        )
    })?;
    if !state
        .store
        .set_user_role(id, role.as_str())
        .await
        .or_page(&v)?
    {
        return Err(PageError::api(
            &v,
            ApiError::not_found(format!("user {id}")),
        ));
    }
    Ok(Redirect::to("/users?done=saved").into_response())
}

/// `POST /users/{id}/delete`; admins cannot delete themselves, so one
/// admin always remains.
pub async fn delete(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    check_form(&v, &form.csrf, v.role.manages_users())?;
    if id == v.user.id {
        return Err(PageError::forbidden(&v));
    }
    state.store.delete_user(id).await.or_page(&v)?;
    Ok(Redirect::to("/users?done=saved").into_response())
}
