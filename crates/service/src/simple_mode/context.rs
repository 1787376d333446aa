//! The account's context the model drafts with, and the messages of the call: the issuer's IVA
//! condition (which classes it issues, whether prices carry IVA), its points of sale, its most
//! recent customers (so "para Juan Pérez" can name a known receiver), and Argentina's today
//! (so "el servicio de marzo" has a year).
//!
//! It reads storage and never writes; it never calls the provider.

use chrono::NaiveDate;
use serde_json::json;

use super::provider::Message;
use crate::Error;
use crate::issuer_profiles::CondicionIva;
use crate::storage::customers::{CustomerFilter, CustomerRow};
use crate::storage::{self, Storage};

/// How many of the account's newest customers the model sees.
pub const RECENT_CUSTOMERS: i64 = 20;
/// How many of its points of sale.
pub const POINTS_OF_SALE: i64 = 50;

/// What the model is told about the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// Argentina's today, by the App's clock.
    pub today: NaiveDate,
    /// The issuer profile's IVA condition (`None`: no profile, the service assumes
    /// `responsable_inscripto` as advanced invoices do).
    pub issuer: Option<CondicionIva>,
    /// The active CAE points of sale (not blocked, not closed, not contingency ones), ascending.
    pub points_of_sale: Vec<i32>,
    /// The newest customers, newest first.
    pub customers: Vec<CustomerRow>,
}

impl Context {
    /// The account's context as of `today`.
    pub async fn gather(storage: &Storage, account_id: &str, today: NaiveDate) -> Result<Context, Error> {
        let issuer = storage::issuer_profiles::find(storage, account_id)
            .await?
            .and_then(|row| CondicionIva::parse(&row.condicion_iva));
        let mut points_of_sale: Vec<i32> = storage::points_of_sale::list(storage, account_id, POINTS_OF_SALE, 0)
            .await?
            .into_iter()
            .filter(|point| !point.bloqueado && point.fecha_baja.is_none() && !point.contingencia)
            .map(|point| point.numero)
            .collect();
        points_of_sale.sort_unstable();
        let customers =
            storage::customers::list(storage, account_id, &CustomerFilter::default(), RECENT_CUSTOMERS, 0).await?;
        Ok(Context {
            today,
            issuer,
            points_of_sale,
            customers,
        })
    }

    /// Whether the issuer's invoices itemise IVA (A, B): a responsable inscripto's do, a
    /// monotributista's or an exento's (C) do not.
    pub fn itemises_iva(&self) -> bool {
        matches!(self.issuer, None | Some(CondicionIva::ResponsableInscripto))
    }

    /// The context as the model reads it (JSON).
    pub fn describe(&self) -> serde_json::Value {
        json!({
            "fecha_hoy": self.today.to_string(),
            "condicion_iva_emisor": self.issuer.map_or("responsable_inscripto", CondicionIva::as_str),
            "emite_iva_discriminado": self.itemises_iva(),
            "puntos_de_venta": self.points_of_sale,
            "clientes_recientes": self.customers.iter().map(|customer| json!({
                "nombre": customer.razon_social,
                "documento_tipo": customer.documento_tipo,
                "documento_numero": customer.documento_numero,
                "condicion_iva": customer.condicion_iva,
            })).collect::<Vec<_>>(),
        })
    }
}

/// The instructions every call starts with.
pub const INSTRUCTIONS: &str = "Sos un asistente que convierte la descripción de una venta en Argentina en el \
borrador de una factura electrónica de ARCA. Respondé solo con el JSON del esquema. Reglas:\n\
- cliente: \"consumidor_final\" si la descripción no identifica al receptor o lo llama consumidor final; \
\"cuit\" con sus 11 dígitos si da un CUIT; \"dni\" si da un DNI; \"nombre\" si nombra a alguien sin documento \
(usá el nombre exacto de clientes_recientes cuando coincida).\n\
- items: una línea por producto o servicio; cantidad y precio_unitario con punto decimal y sin separador de \
miles (\"$1.500\" es \"1500\", \"$1.234,50\" es \"1234.50\"); precio_incluye_iva true si el precio es final, como \
lo son los precios a consumidores salvo que diga \"+ IVA\" o \"neto\"; iva_porcentaje solo si lo dice o es \
evidente (null si no).\n\
- concepto: productos, servicios o mixto; fechas de servicio y de vencimiento (YYYY-MM-DD) solo si la \
descripción las da, relativas a fecha_hoy.\n\
- tipo_comprobante y punto_venta: null salvo que la descripción los nombre.\n\
- total_indicado: el total que la descripción menciona, o null.\n\
- certezas: para cada campo, cuán seguro estás (0 a 1) y si la descripción lo dice (explicito true) o lo \
inferiste (false). No inventes datos: si dudás, bajá la certeza.";

/// The messages of one call: the instructions, the account's context, the description.
pub fn messages(context: &Context, descripcion: &str) -> Vec<Message> {
    vec![
        Message {
            role: "system",
            content: INSTRUCTIONS.to_string(),
        },
        Message {
            role: "system",
            content: format!("Contexto de la cuenta: {}", context.describe()),
        },
        Message {
            role: "user",
            content: descripcion.to_string(),
        },
    ]
}
