//! The simulator's own reading of SOAP requests: a flat list of elements in document order, each
//! with its path of local names and its resolved namespace. ARCA's servers match elements by
//! local name and (for WSFEv1) namespace, never by prefix, and so does this.

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

pub const SOAP11: &str = "http://schemas.xmlsoap.org/soap/envelope/";
pub const SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";

/// Which SOAP the request spoke; the answer speaks the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SoapVersion {
    V11,
    V12,
}

impl SoapVersion {
    pub fn namespace(self) -> &'static str {
        match self {
            SoapVersion::V11 => SOAP11,
            SoapVersion::V12 => SOAP12,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            SoapVersion::V11 => "text/xml;charset=utf-8",
            SoapVersion::V12 => "application/soap+xml;charset=utf-8",
        }
    }
}

/// One element of the request.
#[derive(Debug, Clone)]
pub struct Node {
    /// Local names from the root, joined by `/` (`Envelope/Body/loginCms/in0`).
    pub path: String,
    pub name: String,
    pub namespace: String,
    pub depth: usize,
    pub text: String,
    pub attributes: Vec<(String, String)>,
}

/// A parsed request document.
#[derive(Debug, Clone)]
pub struct Document {
    pub nodes: Vec<Node>,
}

impl Document {
    /// Reads `xml`; `Err` carries a parser message for the fault string.
    pub fn parse(xml: &str) -> Result<Document, String> {
        let mut reader = NsReader::from_str(xml);
        let mut nodes: Vec<Node> = Vec::new();
        let mut open: Vec<usize> = Vec::new();
        loop {
            let (resolved, event) = reader.read_resolved_event().map_err(|e| e.to_string())?;
            match event {
                Event::Start(ref start) | Event::Empty(ref start) => {
                    let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                    let namespace = match resolved {
                        ResolveResult::Bound(ns) => String::from_utf8_lossy(ns.as_ref()).into_owned(),
                        _ => String::new(),
                    };
                    let parent_path = open.last().map(|i| nodes[*i].path.as_str()).unwrap_or("");
                    let path = if parent_path.is_empty() {
                        name.clone()
                    } else {
                        format!("{parent_path}/{name}")
                    };
                    let mut attributes = Vec::new();
                    for attribute in start.attributes().flatten() {
                        if attribute.key.as_ref().starts_with(b"xmlns") {
                            continue;
                        }
                        let key = String::from_utf8_lossy(attribute.key.local_name().as_ref()).into_owned();
                        let value = attribute.unescape_value().map_err(|e| e.to_string())?.into_owned();
                        attributes.push((key, value));
                    }
                    nodes.push(Node {
                        path,
                        name,
                        namespace,
                        depth: open.len(),
                        text: String::new(),
                        attributes,
                    });
                    if matches!(event, Event::Start(_)) {
                        open.push(nodes.len() - 1);
                    }
                }
                Event::End(_) => {
                    open.pop().ok_or("unbalanced end tag")?;
                }
                Event::Text(text) => {
                    if let Some(i) = open.last() {
                        nodes[*i].text.push_str(&text.unescape().map_err(|e| e.to_string())?);
                    }
                }
                Event::CData(data) => {
                    if let Some(i) = open.last() {
                        nodes[*i].text.push_str(&String::from_utf8_lossy(&data.into_inner()));
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        if !open.is_empty() || nodes.is_empty() {
            return Err("Premature end of file.".into());
        }
        Ok(Document { nodes })
    }

    /// SOAP 1.1 or 1.2, from the root element's namespace.
    pub fn soap_version(&self) -> Option<SoapVersion> {
        let root = self.nodes.first()?;
        match (root.name.as_str(), root.namespace.as_str()) {
            ("Envelope", SOAP11) => Some(SoapVersion::V11),
            ("Envelope", SOAP12) => Some(SoapVersion::V12),
            _ => None,
        }
    }

    /// The operation element: the first child of `Envelope/Body`.
    pub fn operation(&self) -> Option<&Node> {
        self.nodes
            .iter()
            .find(|n| n.depth == 2 && n.path.starts_with("Envelope/Body/"))
    }

    /// The elements below `index`, in document order (the subtree is contiguous).
    pub fn subtree(&self, index: usize) -> &[Node] {
        let depth = self.nodes[index].depth;
        let end = self.nodes[index + 1..]
            .iter()
            .position(|n| n.depth <= depth)
            .map_or(self.nodes.len(), |offset| index + 1 + offset);
        &self.nodes[index + 1..end]
    }

    /// Indexes of the direct children of `index`.
    pub fn children(&self, index: usize) -> Vec<usize> {
        let depth = self.nodes[index].depth;
        let len = self.subtree(index).len();
        (index + 1..index + 1 + len)
            .filter(|i| self.nodes[*i].depth == depth + 1)
            .collect()
    }

    /// The first element whose path ends with `/suffix`.
    pub fn find(&self, suffix: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| {
            n.path
                .strip_suffix(suffix)
                .is_some_and(|head| head.is_empty() || head.ends_with('/'))
        })
    }
}

/// An Axis fault (docs/arca.md §B.8): HTTP 500, `ns1:` bound to Axis's namespace, the
/// exception name and host in `detail`, on one line as the real server writes it.
pub fn axis_fault(version: SoapVersion, code: &str, message: &str) -> String {
    let message = quick_xml::escape::escape(message);
    let detail = concat!(
        r#"<ns2:exceptionName xmlns:ns2="http://xml.apache.org/axis/">gov.afip.desein.dvadac.sua.view.wsaa.LoginFault</ns2:exceptionName>"#,
        r#"<ns3:hostname xmlns:ns3="http://xml.apache.org/axis/">wsaa-simulator</ns3:hostname>"#
    );
    match version {
        SoapVersion::V11 => format!(
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{env}" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
                r#"<soapenv:Body><soapenv:Fault><faultcode xmlns:ns1="http://xml.apache.org/axis/">ns1:{code}</faultcode>"#,
                "<faultstring>{message}</faultstring><detail>{detail}</detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"
            ),
            env = SOAP11,
            code = code,
            message = message,
            detail = detail
        ),
        SoapVersion::V12 => format!(
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{env}" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
                r#"<soapenv:Body><soapenv:Fault><soapenv:Code><soapenv:Value>soapenv:Receiver</soapenv:Value>"#,
                r#"<soapenv:Subcode><soapenv:Value xmlns:ns1="http://xml.apache.org/axis/">ns1:{code}</soapenv:Value></soapenv:Subcode></soapenv:Code>"#,
                r#"<soapenv:Reason><soapenv:Text xml:lang="en">{message}</soapenv:Text></soapenv:Reason>"#,
                "<soapenv:Detail>{detail}</soapenv:Detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"
            ),
            env = SOAP12,
            code = code,
            message = message,
            detail = detail
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_any_prefix_and_version() {
        let doc = Document::parse(
            r#"<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body><x:loginCms xmlns:x="urn:a"><in0>QQ==</in0></x:loginCms></e:Body></e:Envelope>"#,
        )
        .unwrap();
        assert_eq!(doc.soap_version(), Some(SoapVersion::V12));
        assert_eq!(doc.operation().map(|n| n.name.as_str()), Some("loginCms"));
        assert_eq!(doc.operation().map(|n| n.namespace.as_str()), Some("urn:a"));
        assert_eq!(doc.find("loginCms/in0").map(|n| n.text.as_str()), Some("QQ=="));
        assert!(Document::parse("<a><b></a>").is_err());
        assert!(Document::parse("<a>").is_err());
    }
}
