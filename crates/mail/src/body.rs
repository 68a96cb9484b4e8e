//! The human-readable parts: subject, plain text and HTML, in the recipient's language.
//!
//! The copy receives only what is in [`InvitationMail`]; there is deliberately no field for
//! PSA-internal links, so nothing internal can reach an external client by mistake.

use crate::compose::{Audience, InvitationMail, Step};
use crate::html;
use crate::locale::Locale;

pub(crate) struct Body {
    pub(crate) subject: String,
    pub(crate) text: String,
    pub(crate) html: String,
}

/// Static copy per language. `{title}` is replaced by the (escaped, for HTML) title.
struct Phrases {
    subject_approved: &'static str,
    subject_rescheduled: &'static str,
    subject_cancelled: &'static str,
    greeting_named: &'static str,
    greeting_anonymous: &'static str,
    client_approved: &'static str,
    client_rescheduled: &'static str,
    client_cancelled: &'static str,
    technician_approved: &'static str,
    technician_rescheduled: &'static str,
    technician_cancelled: &'static str,
    when: &'static str,
    reason: &'static str,
    join: &'static str,
    details: &'static str,
    footer_request: &'static str,
    footer_cancel: &'static str,
}

const EN: Phrases = Phrases {
    subject_approved: "Invitation",
    subject_rescheduled: "Updated invitation",
    subject_cancelled: "Cancelled",
    greeting_named: "Hello {name},",
    greeting_anonymous: "Hello,",
    client_approved: "Your appointment \"{title}\" is confirmed.",
    client_rescheduled: "Your appointment \"{title}\" has been moved to a new time.",
    client_cancelled: "Your appointment \"{title}\" has been cancelled.",
    technician_approved: "You are scheduled for the appointment \"{title}\".",
    technician_rescheduled: "The appointment \"{title}\" you are scheduled for has been moved to a new time.",
    technician_cancelled: "The appointment \"{title}\" you were scheduled for has been cancelled.",
    when: "When",
    reason: "Reason",
    join: "Join Microsoft Teams meeting",
    details: "Details",
    footer_request: "The calendar invitation is attached; open it to add the appointment to your calendar.",
    footer_cancel: "The cancellation is attached; open it to remove the appointment from your calendar.",
};

const DE: Phrases = Phrases {
    subject_approved: "Einladung",
    subject_rescheduled: "Aktualisierte Einladung",
    subject_cancelled: "Abgesagt",
    greeting_named: "Hallo {name},",
    greeting_anonymous: "Guten Tag,",
    client_approved: "Ihr Termin „{title}“ ist bestätigt.",
    client_rescheduled: "Ihr Termin „{title}“ wurde auf eine neue Zeit verschoben.",
    client_cancelled: "Ihr Termin „{title}“ wurde abgesagt.",
    technician_approved: "Sie sind für den Termin „{title}“ eingeplant.",
    technician_rescheduled: "Der Termin „{title}“, für den Sie eingeplant sind, wurde auf eine neue Zeit verschoben.",
    technician_cancelled: "Der Termin „{title}“, für den Sie eingeplant waren, wurde abgesagt.",
    when: "Wann",
    reason: "Grund",
    join: "An Microsoft Teams-Besprechung teilnehmen",
    details: "Details",
    footer_request: "Die Kalendereinladung ist angehängt; öffnen Sie sie, um den Termin in Ihren Kalender zu übernehmen.",
    footer_cancel: "Die Absage ist angehängt; öffnen Sie sie, um den Termin aus Ihrem Kalender zu entfernen.",
};

impl Phrases {
    fn for_locale(locale: Locale) -> &'static Phrases {
        match locale {
            Locale::En => &EN,
            Locale::De => &DE,
        }
    }

    fn subject_prefix(&self, step: &Step) -> &'static str {
        match step {
            Step::Approved => self.subject_approved,
            Step::Rescheduled => self.subject_rescheduled,
            Step::Cancelled { .. } => self.subject_cancelled,
        }
    }

    fn lead(&self, audience: Audience, step: &Step) -> &'static str {
        match (audience, step) {
            (Audience::Client, Step::Approved) => self.client_approved,
            (Audience::Client, Step::Rescheduled) => self.client_rescheduled,
            (Audience::Client, Step::Cancelled { .. }) => self.client_cancelled,
            (Audience::Technician, Step::Approved) => self.technician_approved,
            (Audience::Technician, Step::Rescheduled) => self.technician_rescheduled,
            (Audience::Technician, Step::Cancelled { .. }) => self.technician_cancelled,
        }
    }

    fn footer(&self, step: &Step) -> &'static str {
        match step {
            Step::Cancelled { .. } => self.footer_cancel,
            Step::Approved | Step::Rescheduled => self.footer_request,
        }
    }
}

/// Everything both parts show, already localised but not yet escaped.
struct Content<'m> {
    greeting: String,
    lead_template: &'static str,
    title: &'m str,
    when: String,
    reason: Option<String>,
    join_url: Option<&'m str>,
    description: String,
    footer: &'static str,
}

pub(crate) fn render(mail: &InvitationMail<'_>) -> Body {
    let phrases = Phrases::for_locale(mail.to.locale);
    let title = single_line(&mail.title);
    let name = single_line(&mail.to.name);
    let content = Content {
        greeting: if name.is_empty() {
            phrases.greeting_anonymous.to_owned()
        } else {
            phrases.greeting_named.replace("{name}", &name)
        },
        lead_template: phrases.lead(mail.audience, &mail.step),
        title: &title,
        when: mail
            .to
            .locale
            .time_range(mail.start, mail.end, mail.to.timezone),
        reason: match &mail.step {
            Step::Cancelled { reason } => {
                reason.as_deref().map(paragraph).filter(|r| !r.is_empty())
            }
            _ => None,
        },
        // A cancelled meeting has nothing left to join.
        join_url: match mail.step {
            Step::Cancelled { .. } => None,
            _ => mail.join_url.as_deref().filter(|url| is_web_link(url)),
        },
        description: paragraph(&mail.description),
        footer: phrases.footer(&mail.step),
    };
    let subject = format!(
        "{}: {} – {}",
        phrases.subject_prefix(&mail.step),
        title,
        mail.to
            .locale
            .date(&mail.start.with_timezone(&mail.to.timezone))
    );
    Body {
        text: text(phrases, &content),
        html: html(phrases, &content, mail.to.locale),
        subject,
    }
}

fn text(phrases: &Phrases, c: &Content<'_>) -> String {
    let mut out = format!(
        "{}\n\n{}\n\n{}: {}\n",
        c.greeting,
        c.lead_template.replace("{title}", c.title),
        phrases.when,
        c.when
    );
    if let Some(reason) = &c.reason {
        out.push_str(&format!("{}: {}\n", phrases.reason, reason));
    }
    if let Some(url) = c.join_url {
        out.push_str(&format!("\n{}: {url}\n", phrases.join));
    }
    if !c.description.is_empty() {
        out.push_str(&format!("\n{}:\n{}\n", phrases.details, c.description));
    }
    out.push_str(&format!("\n{}\n", c.footer));
    out
}

fn html(phrases: &Phrases, c: &Content<'_>, locale: Locale) -> String {
    let row = |label: &str, value_html: String| {
        format!(
            "<tr><th align=\"left\" style=\"padding-right:12px\">{}</th><td>{value_html}</td></tr>\n",
            html::escape(label)
        )
    };
    let mut rows = row(phrases.when, html::escape(&c.when));
    if let Some(reason) = &c.reason {
        rows.push_str(&row(phrases.reason, html::escape_multiline(reason)));
    }
    let join = c
        .join_url
        .map(|url| {
            format!(
                "<p><a href=\"{}\" style=\"display:inline-block;padding:10px 20px;background:#5b5fc7;color:#ffffff;text-decoration:none;border-radius:4px;font-weight:600\">{}</a></p>\n",
                html::escape(url),
                html::escape(phrases.join)
            )
        })
        .unwrap_or_default();
    let details = if c.description.is_empty() {
        String::new()
    } else {
        format!(
            "<h3>{}</h3>\n<p>{}</p>\n",
            html::escape(phrases.details),
            html::escape_multiline(&c.description)
        )
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head><meta charset=\"utf-8\"><title>{title}</title></head>\n<body style=\"font-family:'Segoe UI',Arial,sans-serif;color:#242424\">\n<p>{greeting}</p>\n<p>{lead}</p>\n<table role=\"presentation\">\n{rows}</table>\n{join}{details}<p style=\"color:#616161;font-size:12px\">{footer}</p>\n</body>\n</html>\n",
        lang = locale.tag(),
        title = html::escape(c.title),
        greeting = html::escape(&c.greeting),
        lead = html::escape(c.lead_template).replace("{title}", &html::escape(c.title)),
        footer = html::escape(c.footer),
    )
}

/// Only http(s) links become a button; anything else (`javascript:`, `data:`) is dropped.
fn is_web_link(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// Free text for a paragraph: line breaks in one convention (the mail writer turns LF into
/// CRLF), no other controls, no surrounding blank space.
fn paragraph(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|&c| c == '\n' || c == '\t' || !c.is_control())
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Titles and names go into headers and one-line slots: no line breaks or controls.
fn single_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}
