//! `/readyz` answers 200 only while the Temporal server lists this worker among the task queue's
//! pollers (not for an identity it does not list, not with the server gone); `/healthz` only says
//! the process is up.

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

    // The same endpoint for an identity the server does not list among the pollers: not ready.
    let other = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let other_url = format!("http://{}/readyz", other.local_addr().unwrap());
    let readiness = std::sync::Arc::new(meetflow::health::Readiness {
        client: stack.client.clone(),
        task_queue: stack.config().temporal.task_queue.clone(),
        identity: "a-worker-that-never-polled".into(),
    });
    tokio::spawn(meetflow::health::serve(other, readiness));
    let not_polling = http.get(&other_url).send().await.unwrap();
    assert_eq!(not_polling.status(), 503);
    assert_eq!(
        not_polling.text().await.unwrap().trim(),
        "not polling task queue meetflow"
    );

    // With the Temporal server gone, nobody is ready: the probe fails rather than hangs.
    stack.stop().await;
    let gone = tokio::time::timeout(Duration::from_secs(15), http.get(&other_url).send())
        .await
        .expect("readyz answers within its own timeout")
        .unwrap();
    assert_eq!(gone.status(), 503);
    let why = gone.text().await.unwrap();
    assert!(why.contains("describe_task_queue"), "{why}");
}
