//! What names a decision and the matrix in force, for the audit events and the decision-id
//! header: one module both the audit trail and the refusal bodies use, depending on neither.

pub(crate) use authz_core::DecisionId;

/// A decision id drawn when first shown.
pub(crate) struct LazyId<'a>(pub(crate) &'a std::cell::OnceCell<DecisionId>);

impl std::fmt::Display for LazyId<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.get_or_init(DecisionId::next).fmt(f)
    }
}

/// The digest of the matrix `mount` registered, as app data for the audit events.
pub(crate) struct MatrixDigest(pub(crate) String);

/// The digest of the matrix the app serves ([`Matrix::digest`](authz_core::matrix::Matrix::digest)),
/// which `mount` computed; `-` for a request outside any mount.
pub(crate) fn digest(req: &actix_web::HttpRequest) -> &str {
    req.app_data::<MatrixDigest>().map_or("-", |d| d.0.as_str())
}
