//! Accounts: tenants, their tier and limits.

use arca_protocol::Cuit;
use chrono::{DateTime, Utc};

use crate::Error;
use crate::api_keys::{self, CreatedKey, KeyMode};
use crate::storage::accounts::AccountRow;
use crate::storage::{self, Storage};
use crate::text::{self, Lines};
use arca_protocol::secret::Secret;

pub use crate::tier::Tier;

/// An account with its effective limits (overrides applied).
#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub name: String,
    pub cuit: Cuit,
    pub tier: Tier,
    /// Invoices per month; `None` is unlimited.
    pub monthly_quota: Option<i64>,
    pub requests_per_minute: i64,
    pub created_at: DateTime<Utc>,
    /// `enviar_email_automatico`: an approval emails the invoice to its `cliente.email`.
    pub send_email_on_approval: bool,
}

/// A checked request to create an account.
#[derive(Debug, Clone)]
pub struct NewAccount {
    name: String,
    cuit: Cuit,
    tier: Tier,
    monthly_quota: Option<i64>,
    requests_per_minute: Option<i64>,
}

impl NewAccount {
    /// Checks every field and reports every problem at once.
    pub fn new(
        name: &str,
        cuit: &str,
        tier: Option<&str>,
        monthly_quota: Option<i64>,
        requests_per_minute: Option<i64>,
    ) -> Result<NewAccount, Error> {
        let mut problems = Vec::new();
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            problems.push(("name".into(), "must be 1 to 200 characters".into()));
        } else if let Err(problem) = text::check("name", name, Lines::Single) {
            problems.push(problem);
        }
        let cuit = Cuit::parse(cuit.trim())
            .map_err(|error| problems.push(("cuit".into(), format!("not a valid CUIT: {error}"))))
            .ok();
        let tier = match tier {
            None => Some(Tier::Free),
            Some(text) => Tier::parse(text).or_else(|| {
                problems.push(("tier".into(), "must be free, pro or enterprise".into()));
                None
            }),
        };
        if monthly_quota.is_some_and(|quota| quota < 0) {
            problems.push(("monthly_quota".into(), "must be zero or more".into()));
        }
        if requests_per_minute.is_some_and(|limit| limit < 1) {
            problems.push(("requests_per_minute".into(), "must be at least 1".into()));
        }
        match (cuit, tier) {
            (Some(cuit), Some(tier)) if problems.is_empty() => Ok(NewAccount {
                name: name.to_string(),
                cuit,
                tier,
                monthly_quota,
                requests_per_minute,
            }),
            _ => Err(Error::Invalid(problems)),
        }
    }
}

/// Creates an account and its first API key (named "default"); the key is in the answer, once.
pub async fn create(
    storage: &Storage,
    salt: &Secret,
    mode: KeyMode,
    new: NewAccount,
) -> Result<(Account, CreatedKey), Error> {
    let row = AccountRow {
        id: storage::new_id("acct"),
        name: new.name,
        cuit: new.cuit.to_string(),
        tier: new.tier.as_str().to_string(),
        monthly_quota: new.monthly_quota,
        requests_per_minute: new.requests_per_minute,
        created_at: storage::now(),
        send_email_on_approval: false,
    };
    let (key_row, created) = api_keys::new_key(salt, &row.id, "default", mode);
    storage::accounts::insert_with_key(storage, &row, &key_row).await?;
    Ok((Account::from_row(row)?, created))
}

/// The account `id`.
pub async fn find(storage: &Storage, id: &str) -> Result<Account, Error> {
    let row = storage::accounts::find(storage, id).await?.ok_or(Error::NotFound)?;
    Account::from_row(row)
}

/// Changes the account's settings (`enviar_email_automatico` for now) and returns the account.
pub async fn update_settings(
    storage: &Storage,
    id: &str,
    send_email_on_approval: Option<bool>,
) -> Result<Account, Error> {
    if let Some(on) = send_email_on_approval
        && !storage::accounts::set_send_email_on_approval(storage, id, on).await?
    {
        return Err(Error::NotFound);
    }
    find(storage, id).await
}

impl Account {
    pub(crate) fn from_row(row: AccountRow) -> Result<Account, Error> {
        let tier = Tier::parse(&row.tier).unwrap_or(Tier::Free);
        let cuit = Cuit::parse(&row.cuit).map_err(|_| Error::invalid("cuit", "stored CUIT is invalid"))?;
        Ok(Account {
            monthly_quota: row.monthly_quota.or(tier.monthly_quota()),
            requests_per_minute: row.requests_per_minute.unwrap_or(tier.requests_per_minute()),
            id: row.id,
            name: row.name,
            cuit,
            tier,
            created_at: row.created_at,
            send_email_on_approval: row.send_email_on_approval,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_account_lists_every_problem() {
        let Err(Error::Invalid(problems)) = NewAccount::new(" ", "20267565390", Some("gold"), Some(-1), Some(0)) else {
            panic!("expected validation problems");
        };
        let fields: Vec<&str> = problems.iter().map(|(field, _)| field.as_str()).collect();
        assert_eq!(fields, ["name", "cuit", "tier", "monthly_quota", "requests_per_minute"]);
        assert!(NewAccount::new("Demo", "20267565393", None, None, None).is_ok());
    }
}
