//! The store: connect (which also applies pending migrations, as the worker would) and a
//! rolled-back write.

use meetflow_config::Config;
use meetflow_store::Store;

use super::Check;

const NAME: &str = "store";

pub async fn check(config: &Config) -> Check {
    // The URL may hold a password: only its redacted form is ever shown.
    let url = config.store.url.to_string();
    let store = match Store::connect(config.store.url.expose()).await {
        Ok(store) => store,
        Err(e) => {
            return Check::fail(
                NAME,
                format!("{url}: {e}"),
                "make the database reachable with the credentials in store.url \
                 (MEETFLOW_STORE__URL), and let that user create tables",
            );
        }
    };
    let key = format!("meetflow-doctor-probe-{}", uuid::Uuid::new_v4());
    let probed = store.probe(&key).await;
    store.close().await;
    match probed {
        Ok(()) => Check::ok(
            NAME,
            format!(
                "{} {url}: migrated; probe row written, read and rolled back",
                store.backend_name()
            ),
        ),
        Err(e) => Check::fail(
            NAME,
            format!("{url}: {e}"),
            "give the user in store.url INSERT and SELECT rights on meetflow's tables",
        ),
    }
}
