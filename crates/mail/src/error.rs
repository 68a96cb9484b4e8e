/// A mail that cannot be built from its input; retrying will not help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    #[error("{field}: {value:?} is not a valid e-mail address")]
    InvalidAddress { field: &'static str, value: String },
    #[error("message id {0:?} is not of the form <left@right>")]
    InvalidMessageId(String),
    #[error("the ICS does not carry METHOD:{expected}; the MIME method parameter must equal it")]
    MethodMismatch { expected: meetflow_ics::Method },
    #[error("the ICS ORGANIZER is not {organizer:?}; the mail must name the calendar's organizer")]
    OrganizerMismatch { organizer: String },
    #[error("SMTP settings: {0}")]
    Settings(String),
    #[error("building the MIME message failed: {0}")]
    Build(String),
}

/// Why a delivery attempt failed, split by whether trying again can help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// 5xx: the server refused the mail for good; its text says why.
    #[error("mail rejected permanently ({code}): {text}")]
    Permanent { code: u16, text: String },
    /// 4xx, connection, TLS handshake, timeout or local I/O: retry later.
    #[error("mail not delivered, temporary failure{}: {text}", code.map(|c| format!(" ({c})")).unwrap_or_default())]
    Temporary { code: Option<u16>, text: String },
}

impl SendError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, SendError::Temporary { .. })
    }
}
