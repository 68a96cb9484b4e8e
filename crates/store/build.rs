// `sqlx::migrate!` embeds the migration files at compile time; without this, adding or editing a
// migration would not rebuild the crate and the binary would ship the old schema.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
