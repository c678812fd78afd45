// Telegram's MainButton and BackButton inside Telegram; the page's own buttons in a browser.
import type { ComponentChildren } from "preact";
import { useLayoutEffect, useRef } from "preact/hooks";
import { t } from "../i18n";
import { nativeButtons, webApp } from "../telegram";

let mainOwners = 0;
let backOwners = 0;

interface MainButtonProps {
  text: string;
  onClick: () => void;
  disabled?: boolean;
  progress?: boolean;
}

/** The screen's next step. One per screen. */
export function MainButton({ text, onClick, disabled = false, progress = false }: MainButtonProps) {
  const handler = useRef(onClick);
  handler.current = onClick;

  useLayoutEffect(() => {
    if (!nativeButtons || !webApp) return;
    const button = webApp.MainButton;
    const press = () => {
      if (button.isActive && !button.isProgressVisible) handler.current();
    };
    button.onClick(press);
    mainOwners += 1;
    return () => {
      button.offClick(press);
      mainOwners -= 1;
      // The next screen's button takes over in the same commit: hide only when none does.
      setTimeout(() => {
        if (mainOwners === 0) button.hideProgress().hide();
      });
    };
  }, []);

  useLayoutEffect(() => {
    if (!nativeButtons || !webApp) return;
    const button = webApp.MainButton;
    const theme = webApp.themeParams;
    button.setParams({
      text,
      is_visible: true,
      is_active: !disabled,
      color: disabled ? theme.hint_color || theme.button_color : theme.button_color,
      text_color: theme.button_text_color,
    });
    if (progress) button.showProgress(false);
    else button.hideProgress();
  }, [text, disabled, progress]);

  if (nativeButtons) return null;
  return (
    <div class="bottom-bar">
      <button
        class="main-button"
        type="button"
        disabled={disabled || progress}
        aria-busy={progress}
        onClick={() => handler.current()}
      >
        {progress ? <span class="spinner spinner-light" /> : text}
      </button>
    </div>
  );
}

/** Telegram's BackButton while this is rendered; a link in the header in a browser. */
export function BackButton({ onBack }: { onBack: () => void }) {
  const handler = useRef(onBack);
  handler.current = onBack;

  useLayoutEffect(() => {
    if (!nativeButtons || !webApp) return;
    const press = () => handler.current();
    webApp.BackButton.onClick(press);
    webApp.BackButton.show();
    backOwners += 1;
    return () => {
      webApp!.BackButton.offClick(press);
      backOwners -= 1;
      setTimeout(() => {
        if (backOwners === 0) webApp!.BackButton.hide();
      });
    };
  }, []);

  if (nativeButtons) return null;
  return (
    <button class="back-link" type="button" onClick={() => handler.current()}>
      ‹ {t("back")}
    </button>
  );
}

export function Header({
  title,
  onBack,
  children,
}: {
  title: ComponentChildren;
  onBack?: () => void;
  children?: ComponentChildren;
}) {
  return (
    <header class="header">
      {onBack && <BackButton onBack={onBack} />}
      <h1>{title}</h1>
      {children}
    </header>
  );
}
