import type { Ctx } from "../nav";
import { inLang, t } from "../i18n";
import { haptic } from "../telegram";
import { Header } from "../ui/buttons";
import { Banner, Data, Row, Section } from "../ui/kit";

/** Where a client starts: the city (when there are several), "my bookings", categories. */
export function Home({ ctx }: { ctx: Ctx }) {
  const { catalogue, session, city } = ctx;
  const cities = catalogue.cities();
  const categories = catalogue.categoriesIn(city);
  return (
    <main class="screen" data-screen="home">
      <Header title={t("title_home")} />
      {session.state === "failed" && (
        <Banner kind="error">
          {t("signin_failed")} {session.message}
        </Banner>
      )}
      {session.state === "browser" && <Banner>{t("browser_notice")}</Banner>}
      {cities.length > 1 && (
        <div class="chips" role="radiogroup" aria-label={t("city")}>
          {cities.map((name) => (
            <button
              type="button"
              role="radio"
              aria-checked={name === city}
              class={`chip${name === city ? " chip-selected" : ""}`}
              onClick={() => {
                haptic.select();
                ctx.setCity(name);
              }}
            >
              <Data>{catalogue.cityName(name)}</Data>
            </button>
          ))}
        </div>
      )}
      {(session.state === "ok" || session.state === "pending") && (
        <Section>
          <Row
            testId="my-bookings"
            title={t("my_bookings")}
            before={<span class="icon icon-calendar" aria-hidden="true" />}
            onClick={() => ctx.nav.go({ name: "bookings" })}
          />
        </Section>
      )}
      <Section title={t("choose_category")}>
        {categories.map((category) => (
          <Row
            testId={`category-${category?.id ?? "other"}`}
            title={category ? <Data>{inLang(category.name, category.name_en)}</Data> : t("category_other")}
            subtitle={category?.description ? <Data>{category.description}</Data> : undefined}
            onClick={() => ctx.nav.go({ name: "services", category: category?.id ?? null })}
          />
        ))}
        {categories.length === 0 && <p class="empty">{t("nothing_to_book")}</p>}
      </Section>
    </main>
  );
}
