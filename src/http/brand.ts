/** Portico's mark: a pediment on four columns. Drawn once, for the API reference's logo and the pages' icon. */

const MARK = `<path d="M3 13 19 3l16 10z"/><rect x="5" y="15" width="4" height="16"/><rect x="13" y="15" width="4" height="16"/><rect x="21" y="15" width="4" height="16"/><rect x="29" y="15" width="4" height="16"/><rect x="3" y="32" width="32" height="4"/>`;

/** Mark and name, white, for the API reference's dark top bar. */
export const LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 150 38" width="150" height="38" role="img" aria-label="Portico"><g fill="#fff">${MARK}</g><text x="46" y="28" fill="#fff" font-family="system-ui,-apple-system,Segoe UI,sans-serif" font-size="24" font-weight="600">Portico</text></svg>`;

/** The browser tab's icon. */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 38 38"><rect width="38" height="38" rx="6" fill="#1f2328"/><g fill="#fff" transform="translate(4 3) scale(.8)">${MARK}</g></svg>`;
