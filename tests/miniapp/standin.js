// A stand-in for Telegram: window.Telegram.WebApp as a Telegram client provides it, carrying
// the initData the test signed with the test bot token, and the parts of the client's own
// screen a Mini App drives: a header with the BackButton, the MainButton at the bottom.
// Injected before the page's scripts (CDP Page.addScriptToEvaluateOnNewDocument) after
// `window.__TG_CONFIG = {initData, themeParams, colorScheme, platform}`.
(() => {
  const config = window.__TG_CONFIG;
  if (!config || window.Telegram) return;
  const record = (window.__tg = { events: [], haptics: [], confirms: [], confirmAnswer: true, ready: false, expanded: false });

  const unsafe = {};
  for (const [key, value] of new URLSearchParams(config.initData)) {
    unsafe[key] = ["user", "receiver", "chat"].includes(key) ? JSON.parse(value) : key === "auth_date" ? Number(value) : value;
  }
  const theme = config.themeParams;
  const handlers = {};
  const zero = { top: 0, bottom: 0, left: 0, right: 0 };

  const chrome = { main: null, back: null };
  function draw() {
    if (!document.body) return;
    if (!chrome.main) {
      const style = document.createElement("style");
      style.textContent =
        "html{padding:48px 0 72px!important}" +
        "#tg-header{position:fixed;top:0;left:0;right:0;height:48px;display:flex;align-items:center;gap:12px;padding:0 12px;z-index:2147483647;" +
        "font:600 17px -apple-system,Roboto,sans-serif;border-bottom:1px solid rgba(128,128,128,.25)}" +
        "#tg-back-button{border:0;background:none;font:inherit;font-weight:400;padding:6px 0}" +
        "#tg-main-button{position:fixed;left:12px;right:12px;bottom:10px;height:50px;border:0;border-radius:12px;z-index:2147483647;" +
        "font:600 16px -apple-system,Roboto,sans-serif}";
      document.head.appendChild(style);
      const header = document.createElement("div");
      header.id = "tg-header";
      chrome.back = document.createElement("button");
      chrome.back.id = "tg-back-button";
      chrome.back.textContent = `‹ ${config.backText || "Back"}`;
      chrome.back.onclick = () => fire(BackButton);
      const title = document.createElement("span");
      title.textContent = config.botName || "Booking";
      header.append(chrome.back, title);
      chrome.main = document.createElement("button");
      chrome.main.id = "tg-main-button";
      chrome.main.onclick = () => fire(MainButton);
      document.body.append(header, chrome.main);
    }
    const header = document.getElementById("tg-header");
    header.style.background = theme.header_bg_color || theme.bg_color;
    header.style.color = theme.text_color;
    chrome.back.style.display = BackButton.isVisible ? "" : "none";
    chrome.back.style.color = theme.link_color;
    const main = chrome.main;
    main.style.display = MainButton.isVisible ? "" : "none";
    main.style.background = MainButton.color;
    main.style.color = MainButton.textColor;
    main.style.opacity = MainButton.isActive ? "1" : "0.6";
    main.textContent = MainButton.isProgressVisible ? "…" : MainButton.text;
    main.dataset.active = String(MainButton.isActive);
    main.dataset.progress = String(MainButton.isProgressVisible);
  }
  function fire(button) {
    for (const callback of [...button._callbacks]) callback();
  }
  function clickable(button) {
    button._callbacks = [];
    button.onClick = (callback) => (button._callbacks.push(callback), button);
    button.offClick = (callback) => ((button._callbacks = button._callbacks.filter((c) => c !== callback)), button);
    button.show = () => ((button.isVisible = true), draw(), button);
    button.hide = () => ((button.isVisible = false), draw(), button);
    return button;
  }

  const MainButton = clickable({
    text: "",
    color: theme.button_color,
    textColor: theme.button_text_color,
    isVisible: false,
    isActive: true,
    isProgressVisible: false,
  });
  Object.assign(MainButton, {
    setText: (text) => ((MainButton.text = text), draw(), MainButton),
    enable: () => ((MainButton.isActive = true), draw(), MainButton),
    disable: () => ((MainButton.isActive = false), draw(), MainButton),
    showProgress: () => ((MainButton.isProgressVisible = true), draw(), MainButton),
    hideProgress: () => ((MainButton.isProgressVisible = false), draw(), MainButton),
    setParams: (params) => {
      if ("text" in params) MainButton.text = params.text;
      if (params.color) MainButton.color = params.color;
      if (params.text_color) MainButton.textColor = params.text_color;
      if ("is_active" in params) MainButton.isActive = params.is_active;
      if ("is_visible" in params) MainButton.isVisible = params.is_visible;
      draw();
      return MainButton;
    },
  });
  const BackButton = clickable({ isVisible: false });

  const haptic = (kind) => (value) => (record.haptics.push(value ? `${kind}:${value}` : kind), HapticFeedback);
  const HapticFeedback = {
    impactOccurred: haptic("impact"),
    notificationOccurred: haptic("notification"),
    selectionChanged: haptic("selection"),
  };

  const version = config.version || "8.0";
  const WebApp = {
    initData: config.initData,
    initDataUnsafe: unsafe,
    version,
    platform: config.platform || "ios",
    colorScheme: config.colorScheme,
    themeParams: theme,
    isExpanded: true,
    viewportHeight: innerHeight,
    viewportStableHeight: innerHeight,
    safeAreaInset: { ...zero },
    contentSafeAreaInset: { ...zero },
    headerColor: theme.header_bg_color,
    backgroundColor: theme.bg_color,
    bottomBarColor: theme.bottom_bar_bg_color,
    MainButton,
    BackButton,
    HapticFeedback,
    isVersionAtLeast: (wanted) => {
      const a = version.split(".").map(Number);
      const b = String(wanted).split(".").map(Number);
      for (let i = 0; i < Math.max(a.length, b.length); i++) {
        if ((a[i] || 0) !== (b[i] || 0)) return (a[i] || 0) > (b[i] || 0);
      }
      return true;
    },
    onEvent: (name, callback) => (handlers[name] ||= []).push(callback),
    offEvent: (name, callback) => (handlers[name] = (handlers[name] || []).filter((c) => c !== callback)),
    ready: () => ((record.ready = true), draw()),
    expand: () => (record.expanded = true),
    close: () => record.events.push("close"),
    setHeaderColor: (color) => record.events.push(`header:${color}`),
    setBackgroundColor: (color) => record.events.push(`background:${color}`),
    setBottomBarColor: (color) => record.events.push(`bottom_bar:${color}`),
    disableVerticalSwipes: () => record.events.push("vertical_swipes:off"),
    enableClosingConfirmation: () => undefined,
    disableClosingConfirmation: () => undefined,
    showConfirm: (message, callback) => {
      record.confirms.push(message);
      setTimeout(() => callback && callback(record.confirmAnswer));
    },
    showAlert: (message, callback) => {
      record.events.push(`alert:${message}`);
      setTimeout(() => callback && callback());
    },
  };
  window.Telegram = { WebApp };
  document.addEventListener("DOMContentLoaded", draw);
})();
