//! `/readyz` answers 200 only while the Temporal server lists this worker among the task queue's
//! pollers; `/healthz` only says the process is up.

use std::time::Duration;

use crate::support::{Stack, eventually};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_follows_the_server_s_view_of_the_pollers() {
    let port = meetflow::process::free_port().unwrap();
    let listen = format!("127.0.0.1:{port}");
    let stack = Stack::start_with(vec![(
        "MEETFLOW_WORKER__HEALTH_LISTEN".into(),
        listen.clone(),
    )])
    .await;
    let http = reqwest::Client::new();
    let get = |path: &'static str| {
        let (http, url) = (http.clone(), format!("http://{listen}{path}"));
        async move {
            let r = http.get(url).send().await?;
            Ok::<_, anyhow::Error>((r.status().as_u16(), r.text().await?))
        }
    };
    let (status, body) = eventually(Duration::from_secs(30), "readyz 200", || async {
        let r = get("/readyz").await?;
        Ok((r.0 == 200).then_some(r))
    })
    .await;
    assert_eq!((status, body.trim()), (200, "polling"));
    assert_eq!(get("/healthz").await.unwrap().0, 200);
    stack.stop().await;
}
