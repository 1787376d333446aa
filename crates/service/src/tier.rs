//! [`Tier`]: a plan's limits, known to accounts (their tier) and API keys (their rate limit).
//! It never reads storage or the clock.

/// Service tiers (ARCHITECTURE.md "The API contract"): monthly invoice quota and requests per
/// minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    Free,
    Pro,
    Enterprise,
}

impl Tier {
    pub fn parse(text: &str) -> Option<Tier> {
        match text {
            "free" => Some(Tier::Free),
            "pro" => Some(Tier::Pro),
            "enterprise" => Some(Tier::Enterprise),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Free => "free",
            Tier::Pro => "pro",
            Tier::Enterprise => "enterprise",
        }
    }

    /// Invoices per calendar month; `None` is unlimited.
    pub fn monthly_quota(self) -> Option<i64> {
        match self {
            Tier::Free => Some(500),
            Tier::Pro => Some(10_000),
            Tier::Enterprise => None,
        }
    }

    pub fn requests_per_minute(self) -> i64 {
        match self {
            Tier::Free => 100,
            Tier::Pro => 1_000,
            Tier::Enterprise => 10_000,
        }
    }
}
