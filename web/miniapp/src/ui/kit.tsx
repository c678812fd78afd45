// Small building blocks in Telegram's look: sections of rows, avatars, notices.
import type { ComponentChildren } from "preact";
import { t } from "../i18n";
import { haptic } from "../telegram";

export function Section({ title, children }: { title?: string; children: ComponentChildren }) {
  return (
    <section class="section">
      {title && <h2 class="section-title">{title}</h2>}
      <div class="section-body">{children}</div>
    </section>
  );
}

interface RowProps {
  title: ComponentChildren;
  subtitle?: ComponentChildren;
  meta?: ComponentChildren;
  before?: ComponentChildren;
  onClick?: () => void;
  testId?: string;
}

/** A tappable row; `title` and `subtitle` are data (names) and are never translated. */
export function Row({ title, subtitle, meta, before, onClick, testId }: RowProps) {
  const Tag = onClick ? "button" : "div";
  return (
    <Tag
      class="row"
      type={onClick ? "button" : undefined}
      data-testid={testId}
      onClick={
        onClick &&
        (() => {
          haptic.select();
          onClick();
        })
      }
    >
      {before}
      <span class="row-text">
        <span class="row-title">{title}</span>
        {subtitle && <span class="row-subtitle">{subtitle}</span>}
      </span>
      {meta && <span class="row-meta">{meta}</span>}
      {onClick && <span class="chevron" aria-hidden="true" />}
    </Tag>
  );
}

/** Data from the catalogue or the client's bookings: names, descriptions. Marked so that no
 * translation tool (and no test looking for untranslated text) takes it for interface text. */
export function Data({ children }: { children: ComponentChildren }) {
  return <span translate={false}>{children}</span>;
}

export function Avatar({ name, photo }: { name: string; photo?: string | null }) {
  if (photo) return <img class="avatar" src={photo} alt="" loading="lazy" />;
  const initials = name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0])
    .join("");
  return (
    <span class="avatar avatar-initials" aria-hidden="true" translate={false}>
      {initials}
    </span>
  );
}

export function Banner({ kind = "info", children }: { kind?: "info" | "error" | "success"; children: ComponentChildren }) {
  return (
    <div class={`banner banner-${kind}`} role={kind === "error" ? "alert" : "status"}>
      {children}
    </div>
  );
}

export function Loading() {
  return (
    <div class="loading" role="status" aria-label={t("loading")}>
      <span class="spinner" />
    </div>
  );
}
