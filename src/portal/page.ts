/**
 * The portal page's HTML: the model the route builds (`routes/portal.ts`) in, one self-contained document
 * out. Server-rendered and complete without JavaScript (forms and links); one small script only enhances
 * (the language switcher submits on change, the success dialog becomes modal). The stylesheet and the
 * script are allowed by their hashes; the only outside resources are the app's two images.
 */
import { createHash } from 'node:crypto';
import { escapeHtml } from '../http/html.ts';
import { directionOf, type Language, languageNames, type Translate } from './i18n.ts';

export interface PlatformRow {
  /** The hosted type (`TWITTER`), as the page's links and forms name the platform. */
  type: string;
  name: string;
  icon: string;
  state: 'none' | 'connected' | 'needs_reauth' | 'needs_choice';
  /** The connected account's name, and its picture (a Portico URL: `/portal/<token>/avatar/<type>`). */
  accountName?: string;
  accountAvatar?: string;
  /** The instance (a Mastodon server), where the platform has them. */
  server?: string;
  /** Connecting first asks for the user's server (no server fixed by the link). */
  asksServer: boolean;
}

export interface PickerModel {
  type: string;
  platformName: string;
  targets: Array<{
    id: string;
    name: string;
    username: string | null;
    kind: string;
    selected: boolean;
    /** A Portico URL, as for a row's avatar. */
    avatar: string;
  }>;
}

export interface SuccessModel {
  platformName: string;
  accountName: string;
  goBackUrl: string;
}

export interface PageModel {
  language: Language;
  t: Translate;
  /** `/portal/<token>`: every link and form of the page starts here. */
  base: string;
  csrf: string;
  logoUrl?: string | undefined;
  userLogoUrl?: string | undefined;
  userName?: string | undefined;
  goBack?: { url: string; text: string } | undefined;
  languageSwitcher: boolean;
  poweredBy: boolean;
  platforms: PlatformRow[];
  connectedCount: number;
  /** Set once the team has as many accounts as the link allows. */
  limit?: number | undefined;
  notice?: { kind: 'info' | 'error'; text: string } | undefined;
  /** What the main card shows instead of the list. */
  panel?:
    | { kind: 'server'; type: string; platformName: string; value: string; invalid: boolean }
    | ({ kind: 'picker' } & PickerModel)
    | { kind: 'disconnect'; type: string; platformName: string; accountName: string }
    | undefined;
  success?: SuccessModel | undefined;
}

const STYLE = `*,*::before,*::after{box-sizing:border-box}
:root{--bg:#f3f4f6;--card:#fff;--text:#1f2328;--muted:#59636e;--line:#d8dee4;--accent:#1f2328;--on-accent:#fff;--focus:#0969da;--danger:#b42318;--ok:#1a7f37;--soft:#f6f8fa;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--card:#161b22;--text:#e6edf3;--muted:#9198a1;--line:#30363d;--accent:#e6edf3;--on-accent:#0d1117;--focus:#4493f8;--danger:#ff7b72;--ok:#3fb950;--soft:#1c2128}}
html{background:var(--bg);color:var(--text);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans Arabic","Noto Sans Hebrew","Noto Sans Devanagari","Noto Sans Thai",sans-serif}
body{margin:0;min-height:100vh;display:flex;flex-direction:column;align-items:center;padding:1.5rem 1rem}
.wrap{width:100%;max-width:36rem}
.top{display:flex;align-items:center;justify-content:space-between;gap:1rem;min-height:2.5rem;margin-block-end:1rem}
.logo{max-height:2.5rem;max-width:10rem;object-fit:contain}
.user{display:flex;align-items:center;gap:.5rem;margin-inline-start:auto;color:var(--muted);font-size:.9rem;min-width:0}
.user span{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.user img{width:2rem;height:2rem;border-radius:50%;object-fit:cover;background:var(--soft)}
.card{background:var(--card);border:1px solid var(--line);border-radius:1rem;padding:1.75rem 1.5rem;box-shadow:0 1px 2px #0000000d,0 8px 24px #0000000f}
h1{font-size:1.45rem;line-height:1.25;margin:0 0 .5rem}
h2{font-size:1.2rem;margin:0 0 .5rem}
p{margin:0 0 1rem}
.intro,.hint{color:var(--muted)}
.count{font-size:.9rem;color:var(--muted);margin:0 0 .75rem}
.notice{border-radius:.6rem;padding:.75rem 1rem;margin:0 0 1rem;background:var(--soft);border-inline-start:4px solid var(--focus)}
.notice.error{border-color:var(--danger)}
ul{list-style:none;margin:0;padding:0}
.row{display:flex;align-items:center;flex-wrap:wrap;gap:.75rem 1rem;padding:.9rem 0;border-block-start:1px solid var(--line)}
.row:first-child{border:0}
.row svg{flex:none;display:block}
.info{flex:1 1 10rem;min-width:0;display:flex;flex-direction:column}
.name{font-weight:600}
.status{font-size:.875rem;color:var(--muted);overflow-wrap:anywhere}
.status.on{color:var(--ok)}.status.warn{color:var(--danger)}
.actions{display:flex;gap:.5rem;flex-wrap:wrap;margin-inline-start:auto}
form{margin:0}
.btn{display:inline-flex;align-items:center;justify-content:center;min-height:2.5rem;padding:.45rem 1rem;border-radius:.6rem;border:1px solid var(--accent);background:var(--accent);color:var(--on-accent);font:inherit;font-weight:600;font-size:.95rem;text-decoration:none;cursor:pointer}
.btn.alt{background:transparent;color:var(--text);border-color:var(--line)}
.btn.quiet{background:transparent;color:var(--danger);border-color:transparent}
.btn.danger{background:var(--danger);border-color:var(--danger);color:#fff}
.btn:hover{filter:brightness(1.15)}.btn.alt:hover,.btn.quiet:hover{background:var(--soft);filter:none}
.btn[disabled]{opacity:.45;cursor:not-allowed}
a,button,input,select{outline-offset:2px}
:focus-visible{outline:3px solid var(--focus)}
label{display:block;font-weight:600;margin-block-end:.25rem}
input[type=text]{width:100%;font:inherit;padding:.55rem .75rem;border:1px solid var(--muted);border-radius:.6rem;background:var(--card);color:var(--text)}
.field{margin-block-end:1rem}.field .hint{font-size:.875rem;margin:.25rem 0 0}
.choices{border:0;margin:0 0 1rem;padding:0}
.choices legend{font-weight:600;margin-block-end:.5rem;padding:0}
.choice{display:flex;align-items:center;gap:.75rem;padding:.7rem .8rem;border:1px solid var(--line);border-radius:.7rem;margin-block-end:.5rem;font-weight:400;cursor:pointer}
.choice:has(input:checked){border-color:var(--focus);background:var(--soft)}
.choice input{width:1.1rem;height:1.1rem;accent-color:var(--focus)}
.avatar{flex:none;width:2.25rem;height:2.25rem;border-radius:50%;object-fit:cover;background:var(--soft)}
.mini{width:1.125rem;height:1.125rem;border-radius:50%;object-fit:cover;vertical-align:-.2rem;margin-inline-end:.35rem}
.sub{display:block;font-size:.85rem;color:var(--muted)}
.buttons{display:flex;gap:.5rem;flex-wrap:wrap}
.foot{display:flex;align-items:center;justify-content:space-between;flex-wrap:wrap;gap:1rem;margin-block-start:1.25rem;font-size:.9rem;color:var(--muted)}
.lang{display:flex;align-items:center;gap:.5rem}
.lang label{margin:0;font-weight:400}
.lang select{font:inherit;padding:.3rem .5rem;border-radius:.5rem;border:1px solid var(--line);background:var(--card);color:var(--text)}
.powered{width:100%;text-align:center;font-size:.8rem}
.js .nojs{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}
dialog{border:0;border-radius:1rem;padding:1.75rem 1.5rem;max-width:min(26rem,calc(100vw - 2rem));background:var(--card);color:var(--text);box-shadow:0 20px 60px #0000004d}
dialog:not([open]){display:none}
dialog[open]:not(:modal){position:fixed;inset:0;margin:auto;z-index:2}
dialog::backdrop{background:#0d111799}
.tick{width:3rem;height:3rem;border-radius:50%;display:grid;place-items:center;background:var(--ok);color:#fff;font-size:1.6rem;margin-block-end:1rem}
@media (max-width:30rem){body{padding:1rem .75rem}.card{padding:1.25rem 1rem}}`;

/**
 * Marks the page as scripted (the switcher's button hides), submits the switcher, makes the dialog modal.
 * A choice made with the mouse submits at once; one made with the arrow keys (which change a closed
 * select's value step by step) waits for Enter or for the focus to leave, so each step is not a reload.
 */
const SCRIPT = `document.documentElement.classList.add('js');
for(const s of document.querySelectorAll('select[data-submit]')){let keys=false,waiting=false;const go=()=>s.form.requestSubmit();
s.addEventListener('pointerdown',()=>{keys=false});
s.addEventListener('keydown',(e)=>{keys=true;if(e.key==='Enter'&&waiting){e.preventDefault();go()}});
s.addEventListener('change',()=>{if(keys)waiting=true;else go()});
s.addEventListener('blur',()=>{if(waiting)go()})}
const d=document.querySelector('dialog[open]');if(d&&d.showModal){d.close();d.showModal();}`;

const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
export const STYLE_HASH = hash(STYLE);
export const SCRIPT_HASH = hash(SCRIPT);

const e = escapeHtml;

const hidden = (name: string, value: string) => `<input type="hidden" name="${name}" value="${e(value)}">`;

function formFields(model: PageModel, type: string): string {
  return hidden('csrf', model.csrf) + hidden('lang', model.language) + hidden('type', type);
}

function href(model: PageModel, params: Record<string, string> = {}): string {
  const query = new URLSearchParams({ lang: model.language, ...params });
  return `${model.base}?${query}`;
}

function rowHtml(model: PageModel, row: PlatformRow): string {
  const { t } = model;
  const vars = { platform: row.name };
  const blocked = model.limit !== undefined;
  let status: string;
  let statusClass = '';
  if (row.state === 'none') status = t('platform.notConnected');
  else if (row.state === 'needs_reauth') {
    status = t('platform.needsReconnect');
    statusClass = ' warn';
  } else if (row.state === 'needs_choice') {
    status = t('platform.needsChoice');
    statusClass = ' warn';
  } else {
    status = t('platform.connectedAs', { name: row.accountName ?? '' });
    statusClass = ' on';
  }
  const avatar = row.accountAvatar
    ? `<img class="mini" src="${e(row.accountAvatar)}" alt="" width="18" height="18">`
    : '';
  const server = row.server
    ? `<span class="status">${e(t('platform.onServer', { server: row.server }))}</span>`
    : '';
  const actions: string[] = [];
  if (row.state === 'none') {
    if (row.asksServer && !blocked) {
      actions.push(
        `<a class="btn" href="${e(href(model, { ask: row.type }))}" aria-label="${e(t('platform.connectLabel', vars))}">${e(t('platform.connect'))}</a>`,
      );
    } else {
      actions.push(
        `<form method="post" action="${e(model.base)}/connect">${formFields(model, row.type)}<button class="btn" aria-label="${e(t('platform.connectLabel', vars))}"${blocked ? ' disabled aria-describedby="limit"' : ''}>${e(t('platform.connect'))}</button></form>`,
      );
    }
  } else {
    if (row.state === 'needs_choice') {
      actions.push(
        `<a class="btn" href="${e(href(model, { choose: row.type }))}" aria-label="${e(t('platform.chooseLabel', vars))}">${e(t('platform.choose'))}</a>`,
      );
    }
    const reconnect =
      row.asksServer && !row.server
        ? ''
        : `<form method="post" action="${e(model.base)}/connect">${formFields(model, row.type)}${row.server ? hidden('serverUrl', row.server) : ''}<button class="btn ${row.state === 'needs_reauth' ? '' : 'alt'}" aria-label="${e(t('platform.reconnectLabel', vars))}">${e(t('platform.reconnect'))}</button></form>`;
    actions.push(reconnect);
    // Disconnecting cannot be undone: the button opens a confirmation, whose form does it.
    actions.push(
      `<a class="btn quiet" href="${e(href(model, { disconnect: row.type }))}" aria-label="${e(t('platform.disconnectLabel', vars))}">${e(t('platform.disconnect'))}</a>`,
    );
  }
  return `<li class="row">${row.icon}<div class="info"><span class="name">${e(row.name)}</span><span class="status${statusClass}">${avatar}${e(status)}</span>${server}</div><div class="actions">${actions.join('')}</div></li>`;
}

function serverPanel(model: PageModel, panel: Extract<PageModel['panel'], { kind: 'server' }>): string {
  const { t } = model;
  const vars = { platform: panel.platformName };
  const error = panel.invalid
    ? `<p class="notice error" id="server-error" role="alert">${e(t('notice.serverInvalid'))}</p>`
    : '';
  return `<h1>${e(t('server.title', vars))}</h1><p class="intro">${e(t('server.intro', vars))}</p>${error}
<form method="post" action="${e(model.base)}/connect">${formFields(model, panel.type)}
<div class="field"><label for="server">${e(t('server.label'))}</label><input type="text" id="server" name="serverUrl" value="${e(panel.value)}" required autofocus inputmode="url" autocapitalize="none" autocomplete="url" spellcheck="false" aria-describedby="server-hint${panel.invalid ? ' server-error' : ''}"${panel.invalid ? ' aria-invalid="true"' : ''}><p class="hint" id="server-hint">${e(t('server.hint'))}</p></div>
<div class="buttons"><button class="btn">${e(t('server.submit'))}</button><a class="btn alt" href="${e(href(model))}">${e(t('server.cancel'))}</a></div></form>`;
}

function pickerPanel(model: PageModel, panel: PickerModel): string {
  const { t } = model;
  const choices = panel.targets
    .map(
      (target, i) =>
        `<label class="choice"><input type="radio" name="channelId" value="${e(target.id)}"${target.selected || (i === 0 && !panel.targets.some((x) => x.selected)) ? ' checked' : ''} required><img class="avatar" src="${e(target.avatar)}" alt="" width="36" height="36"><span>${e(target.name)}<span class="sub">${e(t(`picker.kind.${target.kind}`))}${target.username ? ` · ${e(target.username)}` : ''}</span></span></label>`,
    )
    .join('');
  return `<h1>${e(t('picker.title'))}</h1><p class="intro">${e(t('picker.intro', { platform: panel.platformName }))}</p>
<form method="post" action="${e(model.base)}/select">${formFields(model, panel.type)}
<fieldset class="choices"><legend>${e(t('picker.legend'))}</legend>${choices}</fieldset>
<div class="buttons"><button class="btn">${e(t('picker.submit'))}</button><a class="btn alt" href="${e(href(model))}">${e(t('picker.cancel'))}</a></div></form>`;
}

function disconnectPanel(
  model: PageModel,
  panel: Extract<PageModel['panel'], { kind: 'disconnect' }>,
): string {
  const { t } = model;
  const vars = { platform: panel.platformName, name: panel.accountName };
  return `<h1>${e(t('disconnect.title', vars))}</h1><p class="intro">${e(t('disconnect.body', vars))}</p>
<form method="post" action="${e(model.base)}/disconnect">${formFields(model, panel.type)}
<div class="buttons"><button class="btn danger" autofocus>${e(t('disconnect.confirm'))}</button><a class="btn alt" href="${e(href(model))}">${e(t('disconnect.cancel'))}</a></div></form>`;
}

function listPanel(model: PageModel): string {
  const { t } = model;
  const limit =
    model.limit !== undefined
      ? `<p class="notice" id="limit" role="status">${e(t('limit.reached', { count: model.limit }))}</p>`
      : '';
  const count =
    model.connectedCount > 0
      ? `<p class="count">${e(t('count.connected', { count: model.connectedCount }))}</p>`
      : '';
  return `<h1>${e(t('page.title'))}</h1><p class="intro">${e(t('page.intro'))}</p>${limit}${count}
<ul aria-label="${e(t('page.platformsLabel'))}">${model.platforms.map((row) => rowHtml(model, row)).join('')}</ul>`;
}

function successDialog(model: PageModel, success: SuccessModel): string {
  const { t } = model;
  return `<dialog open aria-labelledby="done-title" aria-describedby="done-body"><div class="tick" aria-hidden="true">✓</div>
<h2 id="done-title">${e(t('success.title', { platform: success.platformName }))}</h2>
<p id="done-body">${e(t('success.body', { name: success.accountName }))}</p>
<div class="buttons"><a class="btn" id="done-back" href="${e(success.goBackUrl)}" autofocus>${e(t('success.goBack'))}</a><a class="btn alt" id="done-more" href="${e(href(model))}">${e(t('success.connectAnother'))}</a></div></dialog>`;
}

function header(model: PageModel): string {
  const { t } = model;
  const logo = model.logoUrl
    ? `<img class="logo" src="${e(model.logoUrl)}" alt="${e(t('page.appLogoAlt'))}" referrerpolicy="no-referrer">`
    : '';
  const userLogo = model.userLogoUrl
    ? `<img src="${e(model.userLogoUrl)}" alt="${model.userName ? '' : e(t('page.userLogoAlt'))}" referrerpolicy="no-referrer">`
    : '';
  const user =
    userLogo || model.userName
      ? `<div class="user">${userLogo}${model.userName ? `<span>${e(model.userName)}</span>` : ''}</div>`
      : '';
  return logo || user ? `<header class="top">${logo}${user}</header>` : '';
}

function footer(model: PageModel): string {
  const { t } = model;
  const back = model.goBack
    ? `<a class="btn alt" id="go-back" href="${e(model.goBack.url)}">${e(model.goBack.text)}</a>`
    : '';
  const switcher = model.languageSwitcher
    ? `<form class="lang" method="get" action="${e(model.base)}"><label for="lang">${e(t('language.label'))}</label><select id="lang" name="lang" data-submit>${languageNames()
        .map(
          ({ code, name }) =>
            `<option value="${code}" lang="${code}"${code === model.language ? ' selected' : ''}>${e(name)}</option>`,
        )
        .join('')}</select><button class="btn alt nojs">${e(t('language.apply'))}</button></form>`
    : '';
  const powered = model.poweredBy
    ? `<p class="powered">${e(t('page.poweredBy', { name: 'Portico' }))}</p>`
    : '';
  return back || switcher || powered ? `<footer class="foot">${back}${switcher}${powered}</footer>` : '';
}

export function renderPortal(model: PageModel): string {
  const { t } = model;
  const notice = model.notice
    ? `<p class="notice${model.notice.kind === 'error' ? ' error' : ''}" role="${model.notice.kind === 'error' ? 'alert' : 'status'}">${e(model.notice.text)}</p>`
    : '';
  const panel =
    model.panel?.kind === 'server'
      ? serverPanel(model, model.panel)
      : model.panel?.kind === 'picker'
        ? pickerPanel(model, model.panel)
        : model.panel?.kind === 'disconnect'
          ? disconnectPanel(model, model.panel)
          : listPanel(model);
  return document(
    model.language,
    t('page.title'),
    `<div class="wrap">${header(model)}<main class="card">${notice}${panel}</main>${footer(model)}</div>${model.success ? successDialog(model, model.success) : ''}`,
  );
}

/** The page for a link that has expired or never existed. */
export function renderGone(input: {
  language: Language;
  t: Translate;
  expired: boolean;
  goBack?: { url: string; text: string } | undefined;
  poweredBy: boolean;
}): string {
  const { t } = input;
  const title = t(input.expired ? 'gone.expiredTitle' : 'gone.unknownTitle');
  const back = input.goBack
    ? `<div class="buttons"><a class="btn" id="go-back" href="${e(input.goBack.url)}">${e(input.goBack.text)}</a></div>`
    : '';
  const powered = input.poweredBy
    ? `<footer class="foot"><p class="powered">${e(t('page.poweredBy', { name: 'Portico' }))}</p></footer>`
    : '';
  return document(
    input.language,
    title,
    `<div class="wrap"><main class="card"><h1>${e(title)}</h1><p class="intro">${e(t(input.expired ? 'gone.expiredBody' : 'gone.unknownBody'))}</p>${back}</main>${powered}</div>`,
  );
}

function document(language: Language, title: string, body: string): string {
  return `<!doctype html>
<html lang="${language}" dir="${directionOf(language)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>${e(title)}</title><link rel="icon" href="/favicon.svg" type="image/svg+xml"><style>${STYLE}</style></head>
<body>${body}<script>${SCRIPT}</script></body></html>`;
}
