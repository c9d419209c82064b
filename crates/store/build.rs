//! Rebuilds the crate when a migration is added or changed: `sqlx::migrate!`
//! embeds the migration files at compile time, and cargo cannot see a new
//! file in the directory by itself.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
