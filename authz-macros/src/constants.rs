//! `catalog!()`: a constant per permission of `authz.toml`, and the `CATALOG` with its roles.

use proc_macro2::TokenStream;
use quote::quote;
use syn::LitStr;

use crate::attr::CatalogArgs;
use crate::catalog;

/// `catalog!`: a constant per permission of `authz.toml`, and the `CATALOG` with its roles.
pub fn expand_catalog(args: CatalogArgs, framework: crate::Framework) -> syn::Result<TokenStream> {
    let krate = framework.facade(args.krate.as_ref());
    let private = quote!(#krate::__private);
    let span = args.path.as_ref().map_or_else(proc_macro2::Span::call_site, LitStr::span);
    let path = match &args.path {
        // Relative to the file that invokes the macro, like `include_str!`.
        Some(lit) => {
            let invoking = proc_macro::Span::call_site().local_file();
            let dir = invoking
                .as_deref()
                .and_then(std::path::Path::parent)
                .map(std::path::Path::to_path_buf);
            dir.unwrap_or_default().join(lit.value())
        }
        None => std::env::var_os("CARGO_MANIFEST_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_default()
            .join(catalog::FILE_NAME),
    };
    if !path.exists() {
        return Err(syn::Error::new(
            span,
            format!(
                "`catalog!` reads `{}`, which does not exist",
                args.path.as_ref().map_or_else(|| catalog::FILE_NAME.to_owned(), LitStr::value)
            ),
        ));
    }
    let shown = args.path.as_ref().map_or_else(|| catalog::FILE_NAME.to_owned(), LitStr::value);
    let found =
        catalog::load(&path, &shown).map_err(|message| catalog::broken_error(&message, span))?;
    let constants = found.permissions.iter().enumerate().map(|(slot, (name, description))| {
        let ident = syn::Ident::new(&catalog::constant_name(name), span);
        let doc = format!("`{name}`: {description}");
        quote! {
            #[doc = #doc]
            pub const #ident: #private::Permission = #private::Permission::__slotted(#name, #slot);
        }
    });
    let defs = found.permissions.iter().map(|(name, description)| {
        let ident = syn::Ident::new(&catalog::constant_name(name), span);
        quote!(#private::PermissionDef { permission: #ident, description: #description })
    });
    let roles = found.roles.iter().map(|(role, granted)| {
        let granted = granted.iter().map(|p| syn::Ident::new(&catalog::constant_name(p), span));
        quote!(#private::RoleDef { name: #role, permissions: &[#(#granted),*] })
    });
    let inclusions = found.includes.iter().map(
        |(role, included)| quote!(#private::Inclusion { role: #role, includes: &[#(#included),*] }),
    );
    let doc = format!("The permissions and roles declared in `{}`.", found.display);
    let track = found.track();
    Ok(quote! {
        #(#constants)*
        #[doc = #doc]
        pub static CATALOG: #private::Catalog = #private::Catalog::with_inclusions(&[#(#defs),*], &[#(#roles),*], &[#(#inclusions),*]);
        #track
    })
}
