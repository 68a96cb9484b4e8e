//! Object storage for recording copies: a probe object written and deleted.

use meetflow_config::Config;
use meetflow_recordings::RecordingStorage;

use super::Check;

const NAME: &str = "object storage";

pub async fn check(config: &Config) -> Check {
    let url = config.storage.url.as_str();
    let storage = match RecordingStorage::from_url(url) {
        Ok(s) => s,
        Err(e) => {
            return Check::fail(
                NAME,
                e.to_string(),
                "fix storage.url (file:///folder or s3://bucket/prefix) and the AWS_* settings",
            );
        }
    };
    let key = format!("meetflow-doctor/probe-{}.txt", uuid::Uuid::new_v4());
    match storage.probe(&key).await {
        Ok(()) => Check::ok(NAME, format!("{url}: probe object written and deleted")),
        Err(e) => Check::fail(
            NAME,
            e.to_string(),
            format!(
                "let meetflow write and delete objects under {url} (folder permissions, or the \
                 bucket policy's s3:PutObject and s3:DeleteObject for its credentials)"
            ),
        ),
    }
}
