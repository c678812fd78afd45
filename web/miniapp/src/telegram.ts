// Telegram's side of the page: window.Telegram.WebApp (the official script, or a test's
// stand-in), with plain-browser fallbacks so the page also works outside Telegram.
import type { ThemeParams, WebApp } from "@twa-dev/types";

declare global {
  interface Window {
    Telegram?: { WebApp?: WebApp };
  }
}

export const webApp: WebApp | undefined = window.Telegram?.WebApp;

/** True inside Telegram (or a stand-in of it): there is signed initData to sign in with. */
export const inTelegram = Boolean(webApp?.initData);

export function initData(): string {
  return webApp?.initData ?? "";
}

function supports(version: string): boolean {
  return Boolean(webApp?.isVersionAtLeast?.(version));
}

/** `service-12` / `specialist-3`: from a t.me/<bot>?startapp= link (initData's start_param),
 * or the page's own URL (`?startapp=` from a bot's web_app button, or a browser). */
export function startParam(): string {
  const fromTelegram = webApp?.initDataUnsafe?.start_param;
  if (fromTelegram) return fromTelegram;
  const query = new URLSearchParams(location.search);
  return query.get("startapp") ?? query.get("tgWebAppStartParam") ?? "";
}

/** Telegram's language_code; `?lang=` in a plain browser. */
export function languageCode(): string {
  return (
    webApp?.initDataUnsafe?.user?.language_code ??
    new URLSearchParams(location.search).get("lang") ??
    ""
  );
}

const THEME_VARIABLES: Array<keyof ThemeParams> = [
  "bg_color",
  "secondary_bg_color",
  "text_color",
  "hint_color",
  "link_color",
  "button_color",
  "button_text_color",
  "header_bg_color",
  "accent_text_color",
  "section_bg_color",
  "section_header_text_color",
  "subtitle_text_color",
  "destructive_text_color",
  "section_separator_color",
  "bottom_bar_bg_color",
];

/** Theme parameters → CSS variables (--tg-bg-color, …); the stylesheet has light and dark
 * defaults for a plain browser. Safe areas → --tg-safe-top etc. */
function applyTheme(): void {
  const root = document.documentElement;
  const params = webApp?.themeParams ?? ({} as Partial<ThemeParams>);
  for (const name of THEME_VARIABLES) {
    const value = params[name];
    const variable = `--tg-${name.replace(/_/g, "-")}`;
    if (value) root.style.setProperty(variable, value);
    else root.style.removeProperty(variable);
  }
  if (webApp?.colorScheme) root.dataset.scheme = webApp.colorScheme;
}

function applySafeAreas(): void {
  if (!webApp) return;
  const root = document.documentElement;
  const outer = webApp.safeAreaInset ?? { top: 0, bottom: 0, left: 0, right: 0 };
  const content = webApp.contentSafeAreaInset ?? { top: 0, bottom: 0, left: 0, right: 0 };
  for (const side of ["top", "bottom", "left", "right"] as const) {
    root.style.setProperty(`--tg-safe-${side}`, `${(outer[side] ?? 0) + (content[side] ?? 0)}px`);
  }
}

export function setUpTelegram(): void {
  applyTheme();
  applySafeAreas();
  if (!webApp) return;
  webApp.onEvent("themeChanged", applyTheme);
  webApp.onEvent("safeAreaChanged" as never, applySafeAreas);
  webApp.onEvent("contentSafeAreaChanged" as never, applySafeAreas);
  if (supports("6.1")) {
    webApp.setHeaderColor("secondary_bg_color");
    webApp.setBackgroundColor("secondary_bg_color");
  }
  if (supports("7.10") && webApp.themeParams?.secondary_bg_color) {
    webApp.setBottomBarColor(webApp.themeParams.secondary_bg_color);
  }
  if (supports("7.7")) webApp.disableVerticalSwipes(); // scrolling a calendar never closes it
  webApp.ready();
  webApp.expand();
}

export const haptic = {
  select(): void {
    if (supports("6.1")) webApp?.HapticFeedback.selectionChanged();
  },
  success(): void {
    if (supports("6.1")) webApp?.HapticFeedback.notificationOccurred("success");
  },
  error(): void {
    if (supports("6.1")) webApp?.HapticFeedback.notificationOccurred("error");
  },
};

/** Telegram's confirmation popup; the browser's confirm() outside Telegram. */
export function confirmAction(message: string): Promise<boolean> {
  if (inTelegram && supports("6.2")) {
    return new Promise((resolve) => webApp!.showConfirm(message, (ok) => resolve(Boolean(ok))));
  }
  return Promise.resolve(window.confirm(message));
}

/** Telegram's native buttons are used inside Telegram; outside, the page draws its own. */
export const nativeButtons = inTelegram && supports("6.1");
