//! `Range: bytes=…` (RFC 9110 §14) for one object of known length.
//!
//! Only single ranges are served as ranges; a multi-range request (`bytes=0-1,5-6`) is answered
//! with the whole object (200), which RFC 9110 allows and which spares a `multipart/byteranges`
//! body nobody here needs: browsers' media elements only ever ask for one range.

/// A satisfiable range: `first..=last`, both within the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    pub first: u64,
    pub last: u64,
}

impl ByteRange {
    pub fn len(&self) -> u64 {
        self.last - self.first + 1
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    /// `Content-Range` of a 206.
    pub fn content_range(&self, total: u64) -> String {
        format!("bytes {}-{}/{total}", self.first, self.last)
    }
}

/// What to send for a request's `Range` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeRequest {
    /// No (usable) range: 200 with the whole object.
    Full,
    /// 206 with this part.
    Partial(ByteRange),
    /// 416 with `Content-Range: bytes */{total}`.
    Unsatisfiable,
}

impl RangeRequest {
    /// Resolves `header` (the `Range` value, if any) against an object of `total` bytes.
    /// A header that is not a byte range at all is ignored, as RFC 9110 requires.
    pub fn resolve(header: Option<&str>, total: u64) -> Self {
        let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
            return RangeRequest::Full;
        };
        if spec.contains(',') {
            return RangeRequest::Full;
        }
        let Some((start, end)) = spec.trim().split_once('-') else {
            return RangeRequest::Full;
        };
        let number = |s: &str| -> Option<Option<u64>> {
            let s = s.trim();
            if s.is_empty() {
                Some(None)
            } else if s.bytes().all(|b| b.is_ascii_digit()) {
                // Absurdly long numbers saturate: they are past any object's end anyway.
                Some(Some(s.parse().unwrap_or(u64::MAX)))
            } else {
                None
            }
        };
        let (Some(start), Some(end)) = (number(start), number(end)) else {
            return RangeRequest::Full;
        };
        match (start, end) {
            // `a-b` and `a-`: from a, to b or the end; b past the end means the end.
            (Some(first), end) => {
                if end.is_some_and(|last| last < first) {
                    return RangeRequest::Full;
                }
                if first >= total {
                    return RangeRequest::Unsatisfiable;
                }
                let last = end.map_or(total - 1, |last| last.min(total - 1));
                RangeRequest::Partial(ByteRange { first, last })
            }
            // `-n`: the last n bytes (all of them when n ≥ total).
            (None, Some(suffix)) => {
                if suffix == 0 || total == 0 {
                    return RangeRequest::Unsatisfiable;
                }
                let first = total.saturating_sub(suffix);
                RangeRequest::Partial(ByteRange {
                    first,
                    last: total - 1,
                })
            }
            (None, None) => RangeRequest::Full,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(first: u64, last: u64) -> RangeRequest {
        RangeRequest::Partial(ByteRange { first, last })
    }

    #[test]
    fn the_three_single_range_forms() {
        let r = |h| RangeRequest::resolve(Some(h), 1000);
        assert_eq!(r("bytes=0-99"), part(0, 99));
        assert_eq!(r("bytes=500-599"), part(500, 599));
        assert_eq!(r("bytes=900-"), part(900, 999));
        assert_eq!(r("bytes=-100"), part(900, 999));
        assert_eq!(r("bytes=0-"), part(0, 999));
        // Past the end is clipped, a suffix longer than the object is all of it.
        assert_eq!(r("bytes=990-5000"), part(990, 999));
        assert_eq!(r("bytes=-5000"), part(0, 999));
        assert_eq!(r("bytes=0-99999999999999999999999"), part(0, 999));
    }

    #[test]
    fn unsatisfiable() {
        let r = |h| RangeRequest::resolve(Some(h), 1000);
        assert_eq!(r("bytes=1000-"), RangeRequest::Unsatisfiable);
        assert_eq!(r("bytes=5000-6000"), RangeRequest::Unsatisfiable);
        assert_eq!(r("bytes=-0"), RangeRequest::Unsatisfiable);
        assert_eq!(
            RangeRequest::resolve(Some("bytes=0-"), 0),
            RangeRequest::Unsatisfiable
        );
        assert_eq!(part(10, 19), r("bytes=10-19"));
        assert_eq!(
            ByteRange {
                first: 10,
                last: 19
            }
            .content_range(1000),
            "bytes 10-19/1000"
        );
    }

    #[test]
    fn anything_else_is_the_whole_object() {
        for h in [
            "items=0-1",
            "bytes=0-1,5-6",
            "bytes=5-1",
            "bytes=-",
            "bytes=a-b",
            "bytes=+1-2",
            "bytes 0-1",
        ] {
            assert_eq!(
                RangeRequest::resolve(Some(h), 1000),
                RangeRequest::Full,
                "{h}"
            );
        }
        assert_eq!(RangeRequest::resolve(None, 1000), RangeRequest::Full);
    }
}
