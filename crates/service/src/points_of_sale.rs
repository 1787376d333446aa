//! Points of sale: ARCA's `PtoVta` numbers an account issues from, kept by hand through the API
//! (`origin: manual`) or read from ARCA ([`upsert_points_of_sale_from_arca`], `origin: arca`).
//! A point of sale may have its own `domicilio`, which its invoices print instead of the issuer
//! profile's domicilio comercial.
//!
//! `contingencia` marks a CAEA contingency point of sale (docs/arca.md §G): ARCA registers those
//! with an `EmisionTipo` starting with `CAEA`, so a row read from ARCA with another emission type
//! cannot be marked; a manual row can (the account vouches for it). A row read from ARCA keeps
//! ARCA's `tipo_emision` (a PATCH cannot change it). While a CAEA grant is live (its validity
//! began and its reporting deadline has not passed) the account's contingency points of sale owe
//! ARCA their report, so they cannot be unmarked, blocked, closed, renumbered or deleted (409).
//!
//! [`sync_from_arca`] is the one call to ARCA here: `FEParamGetPtosVenta` through the account's
//! session, for the API's `POST /v1/points-of-sale/sync` and the dashboard's button alike. It
//! never touches invoices.

use chrono::{NaiveDate, Utc};

use crate::Error;
use crate::arca::Arca;
use crate::storage::points_of_sale::PointOfSaleRow;
pub use crate::storage::points_of_sale::{ArcaPointOfSale, upsert_points_of_sale_from_arca};
use crate::storage::{self, Storage};
use crate::text::{self, Lines};

/// A point of sale's `domicilio`, in characters (as a customer's `direccion`).
pub const DOMICILIO_MAX: usize = 300;
/// ARCA numbers points of sale 1 to 99998 (`PtoVta`, 5 digits; 99999 is not assignable).
pub const NUMERO_RANGE: std::ops::RangeInclusive<i64> = 1..=99_998;
/// What a new point of sale emits unless told otherwise.
pub const DEFAULT_TIPO_EMISION: &str = "CAE";

/// A point of sale to create; absent optional fields take their defaults.
#[derive(Debug, Clone, Default)]
pub struct NewPointOfSale {
    pub numero: i64,
    pub descripcion: Option<String>,
    pub domicilio: Option<String>,
    pub tipo_emision: Option<String>,
    pub bloqueado: Option<bool>,
    pub fecha_baja: Option<NaiveDate>,
    pub contingencia: Option<bool>,
}

/// A partial update: `None` leaves a field as it is; `Some(None)` clears a nullable one.
#[derive(Debug, Clone, Default)]
pub struct PointOfSaleChanges {
    pub numero: Option<i64>,
    pub descripcion: Option<Option<String>>,
    pub domicilio: Option<Option<String>>,
    pub tipo_emision: Option<String>,
    pub bloqueado: Option<bool>,
    pub fecha_baja: Option<Option<NaiveDate>>,
    pub contingencia: Option<bool>,
}

/// Whether ARCA's `EmisionTipo` names a CAEA point of sale ("CAEA", "CAEA - Ri Iva -
/// Contingencias", …: it starts with `CAEA`, in any case).
pub fn is_caea_emission(tipo_emision: &str) -> bool {
    tipo_emision
        .trim_start()
        .get(..4)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case("CAEA"))
}

/// Whether ARCA itself vouches for the row's contingency flag: read from ARCA with a CAEA
/// emission type. A manual row's flag is the account's word.
pub fn contingency_verified(row: &PointOfSaleRow) -> bool {
    row.contingencia && row.origin == "arca" && is_caea_emission(&row.tipo_emision)
}

/// Whether `after` takes the point of sale `before` out of contingency: unmarked, blocked,
/// closed or renumbered. (Whether `before` was an active contingency point is the database's
/// `ACTIVE_CONTINGENCY`, the one definition.)
pub fn leaves_contingency(before: &PointOfSaleRow, after: &PointOfSaleRow) -> bool {
    (before.contingencia && !after.contingencia)
        || (!before.bloqueado && after.bloqueado)
        || (before.fecha_baja.is_none() && after.fecha_baja.is_some())
        || before.numero != after.numero
}

/// [`Error::Conflict`] naming the point of sale when it is one of the account's active
/// contingency points and a grant is live on `today` (its validity began, its `fch_tope_inf`
/// has not passed): the point owes ARCA the report of that fortnight (its vouchers, or no
/// movement), which the reporter only sends for current contingency points.
async fn check_owes_no_report(storage: &Storage, account_id: &str, numero: i32, today: NaiveDate) -> Result<(), Error> {
    if !storage::contingency::contingency_points(storage, account_id)
        .await?
        .contains(&numero)
    {
        return Ok(());
    }
    let live = storage::contingency::live_grants(storage, account_id, today).await?;
    match live.first() {
        None => Ok(()),
        Some(grant) => Err(Error::Conflict(format!(
            "point of sale {numero} is a contingency point of sale and owes ARCA the report of CAEA {} \
             (fortnight {}-{}) until {}: it cannot be unmarked, blocked, closed, renumbered or deleted \
             before that deadline",
            grant.caea, grant.periodo, grant.orden, grant.fch_tope_inf
        ))),
    }
}

/// Creates a manual point of sale ([`Error::Conflict`] if the account has the number already).
pub async fn create(storage: &Storage, account_id: &str, new: NewPointOfSale) -> Result<PointOfSaleRow, Error> {
    let now = storage::now();
    let (numero, numero_problem) = match checked_numero(new.numero) {
        Ok(numero) => (numero, None),
        Err(problem) => (0, Some(problem)),
    };
    let mut row = PointOfSaleRow {
        id: storage::new_id("pos"),
        account_id: account_id.to_string(),
        numero,
        descripcion: new.descripcion,
        domicilio: new.domicilio,
        tipo_emision: new.tipo_emision.unwrap_or_else(|| DEFAULT_TIPO_EMISION.to_string()),
        bloqueado: new.bloqueado.unwrap_or(false),
        fecha_baja: new.fecha_baja,
        origin: "manual".to_string(),
        contingencia: new.contingencia.unwrap_or(false),
        created_at: now,
        updated_at: now,
    };
    let marking = row.contingencia;
    check(&mut row, numero_problem.into_iter().collect(), marking)?;
    storage::points_of_sale::insert(storage, &row).await?;
    Ok(row)
}

/// The account's point of sale `id` ([`Error::NotFound`] for another account's).
pub async fn find(storage: &Storage, account_id: &str, id: &str) -> Result<PointOfSaleRow, Error> {
    storage::points_of_sale::find(storage, account_id, id)
        .await?
        .ok_or(Error::NotFound)
}

/// A page of the account's points of sale, newest first, and how many there are.
pub async fn list(
    storage: &Storage,
    account_id: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<PointOfSaleRow>, i64), Error> {
    let rows = storage::points_of_sale::list(storage, account_id, limit, offset).await?;
    let total = storage::points_of_sale::count(storage, account_id).await?;
    Ok((rows, total))
}

/// Applies `changes` to the account's point of sale `id`, checking the result as a whole.
/// `today` is Argentina's day (whether a CAEA grant is live).
pub async fn update(
    storage: &Storage,
    account_id: &str,
    id: &str,
    changes: PointOfSaleChanges,
    today: NaiveDate,
) -> Result<PointOfSaleRow, Error> {
    let before = find(storage, account_id, id).await?;
    let mut row = before.clone();
    let mut problems: Vec<Problem> = Vec::new();
    if let Some(numero) = changes.numero {
        match checked_numero(numero) {
            Ok(numero) => row.numero = numero,
            Err(problem) => problems.push(problem),
        }
    }
    if let Some(descripcion) = changes.descripcion {
        row.descripcion = descripcion;
    }
    if let Some(domicilio) = changes.domicilio {
        row.domicilio = domicilio;
    }
    if let Some(tipo_emision) = changes.tipo_emision {
        if row.origin == "arca" && tipo_emision.trim() != row.tipo_emision.trim() {
            problems.push((
                "tipo_emision".into(),
                format!(
                    "is ARCA's EmisionTipo ({:?}) on a point of sale read from ARCA: only the sync from ARCA \
                     (POST /v1/points-of-sale/sync) sets it",
                    row.tipo_emision
                ),
            ));
        } else {
            row.tipo_emision = tipo_emision;
        }
    }
    if let Some(bloqueado) = changes.bloqueado {
        row.bloqueado = bloqueado;
    }
    if let Some(fecha_baja) = changes.fecha_baja {
        row.fecha_baja = fecha_baja;
    }
    if let Some(contingencia) = changes.contingencia {
        row.contingencia = contingencia;
    }
    row.updated_at = storage::now();
    check(&mut row, problems, changes.contingencia == Some(true))?;
    if leaves_contingency(&before, &row) {
        check_owes_no_report(storage, account_id, before.numero, today).await?;
    }
    if !storage::points_of_sale::update(storage, &row).await? {
        return Err(Error::NotFound);
    }
    Ok(row)
}

/// Deletes the account's point of sale `id` (not a contingency point that owes a report, see
/// [`update`]; `today` is Argentina's day).
pub async fn delete(storage: &Storage, account_id: &str, id: &str, today: NaiveDate) -> Result<(), Error> {
    let row = find(storage, account_id, id).await?;
    check_owes_no_report(storage, account_id, row.numero, today).await?;
    if storage::points_of_sale::delete(storage, account_id, id).await? {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

/// What [`sync_from_arca`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Synced {
    /// Points of sale ARCA listed for the account's CUIT (`FEParamGetPtosVenta`).
    pub listed_by_arca: usize,
    /// Rows created or updated here.
    pub synchronised: u64,
}

/// Reads the account's points of sale from ARCA (`FEParamGetPtosVenta`, through the account's
/// session and certificate) and stores them ([`upsert_points_of_sale_from_arca`]): existing
/// ones keep their id, description and contingency flag; ones ARCA no longer lists are left
/// alone. ARCA's refusals are explained as the API shows them (`ArcaSession::explain`).
pub async fn sync_from_arca(storage: &Storage, arca: &Arca, account_id: &str) -> Result<Synced, Error> {
    let session = arca.session(account_id).await?;
    let listed = session
        .client
        .fe_param_get_ptos_venta(&session.auth)
        .await
        .map_err(|error| session.explain(error))?;
    let points: Vec<ArcaPointOfSale> = listed.iter().map(ArcaPointOfSale::from).collect();
    let synchronised = upsert_points_of_sale_from_arca(storage, account_id, &points, Utc::now()).await?;
    Ok(Synced {
        listed_by_arca: points.len(),
        synchronised,
    })
}

type Problem = (String, String);

fn checked_numero(numero: i64) -> Result<i32, Problem> {
    if NUMERO_RANGE.contains(&numero) {
        Ok(i32::try_from(numero).unwrap_or_default())
    } else {
        Err(("numero".into(), "must be a whole number from 1 to 99998".into()))
    }
}

/// Trims the text fields and reports every problem at once (`problems`, found before, first).
/// `marking`: the caller sets `contingencia` to true now, so the row must be one ARCA registered
/// for CAEA when read from ARCA (a row the sync contradicted later is left alone: ARCA's word
/// already takes it out of `ACTIVE_CONTINGENCY`, and other changes must not fail on it).
fn check(row: &mut PointOfSaleRow, mut problems: Vec<Problem>, marking: bool) -> Result<(), Error> {
    row.descripcion = row
        .descripcion
        .take()
        .map(|text| text.trim().to_string())
        .filter(|text| !text.is_empty());
    if row.descripcion.as_ref().is_some_and(|text| text.chars().count() > 200) {
        problems.push(("descripcion".into(), "must be at most 200 characters".into()));
    } else if let Some(text) = &row.descripcion
        && let Err(problem) = text::check("descripcion", text, Lines::Multi)
    {
        problems.push(problem);
    }
    row.domicilio = row
        .domicilio
        .take()
        .map(|text| text.trim().to_string())
        .filter(|text| !text.is_empty());
    if let Some(text) = &row.domicilio
        && let Err(problem) = text::check_single_line("domicilio", text, DOMICILIO_MAX)
    {
        problems.push(problem);
    }
    row.tipo_emision = row.tipo_emision.trim().to_string();
    if row.tipo_emision.is_empty() || row.tipo_emision.chars().count() > 100 {
        problems.push((
            "tipo_emision".into(),
            "must be 1 to 100 characters (ARCA's EmisionTipo, e.g. CAE or CAEA)".into(),
        ));
    } else if let Err(problem) = text::check("tipo_emision", &row.tipo_emision, Lines::Single) {
        problems.push(problem);
    }
    if marking && row.contingencia && row.origin == "arca" && !is_caea_emission(&row.tipo_emision) {
        problems.push((
            "contingencia".into(),
            format!(
                "ARCA lists this point of sale with EmisionTipo {:?}: only a point of sale ARCA registered \
                 for CAEA (EmisionTipo starting with CAEA) can be a contingency point of sale",
                row.tipo_emision
            ),
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(problems))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> PointOfSaleRow {
        let now = storage::now();
        PointOfSaleRow {
            id: "pos_1".into(),
            account_id: "acct_1".into(),
            numero: 1,
            descripcion: Some("  Local  ".into()),
            domicilio: Some(" Av. Corrientes 1234, CABA ".into()),
            tipo_emision: " CAE ".into(),
            bloqueado: false,
            fecha_baja: None,
            origin: "manual".into(),
            contingencia: false,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn numbers_are_1_to_99998() {
        assert_eq!(checked_numero(1), Ok(1));
        assert_eq!(checked_numero(99_998), Ok(99_998));
        for bad in [0, -1, 99_999, i64::MAX] {
            assert_eq!(checked_numero(bad).unwrap_err().0, "numero");
        }
    }

    #[test]
    fn check_trims_and_lists_every_problem() {
        let mut good = row();
        check(&mut good, Vec::new(), false).unwrap();
        assert_eq!(good.descripcion.as_deref(), Some("Local"));
        assert_eq!(good.tipo_emision, "CAE");
        assert_eq!(good.domicilio.as_deref(), Some("Av. Corrientes 1234, CABA"));

        let mut bad = PointOfSaleRow {
            descripcion: Some("x".repeat(201)),
            domicilio: Some("Calle\n1".into()),
            tipo_emision: "  ".into(),
            ..row()
        };
        let Err(Error::Invalid(problems)) = check(&mut bad, checked_numero(0).err().into_iter().collect(), false)
        else {
            panic!("expected problems");
        };
        let fields: Vec<&str> = problems.iter().map(|(field, _)| field.as_str()).collect();
        assert_eq!(fields, ["numero", "descripcion", "domicilio", "tipo_emision"]);
    }

    #[test]
    fn only_caea_points_read_from_arca_can_be_contingency_points() {
        assert!(is_caea_emission("CAEA - Ri Iva - Contingencias"));
        assert!(is_caea_emission("caea"));
        assert!(!is_caea_emission("CAE - Ri Iva"));
        assert!(!is_caea_emission("CAE"));
        let mut manual = PointOfSaleRow {
            contingencia: true,
            ..row()
        };
        check(&mut manual, Vec::new(), true).unwrap();
        assert!(!contingency_verified(&manual));
        let mut from_arca = PointOfSaleRow {
            contingencia: true,
            origin: "arca".into(),
            ..row()
        };
        let Err(Error::Invalid(problems)) = check(&mut from_arca, Vec::new(), true) else {
            panic!("expected a problem");
        };
        assert_eq!(problems[0].0, "contingencia");
        // Marked before ARCA's sync contradicted it: other changes still pass.
        check(&mut from_arca, Vec::new(), false).unwrap();
        let mut caea = PointOfSaleRow {
            contingencia: true,
            origin: "arca".into(),
            tipo_emision: "CAEA - Ri Iva - Contingencias".into(),
            ..row()
        };
        check(&mut caea, Vec::new(), true).unwrap();
        assert!(contingency_verified(&caea));
    }

    #[test]
    fn unmarking_blocking_closing_or_renumbering_leaves_contingency() {
        let marked = PointOfSaleRow {
            contingencia: true,
            ..row()
        };
        let same = PointOfSaleRow {
            descripcion: Some("otra".into()),
            ..marked.clone()
        };
        assert!(!leaves_contingency(&marked, &same));
        for changed in [
            PointOfSaleRow {
                contingencia: false,
                ..marked.clone()
            },
            PointOfSaleRow {
                bloqueado: true,
                ..marked.clone()
            },
            PointOfSaleRow {
                fecha_baja: NaiveDate::from_ymd_opt(2026, 12, 31),
                ..marked.clone()
            },
            PointOfSaleRow {
                numero: 2,
                ..marked.clone()
            },
        ] {
            assert!(leaves_contingency(&marked, &changed), "{changed:?}");
        }
    }
}
