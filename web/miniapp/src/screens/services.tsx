import type { Ctx, Screen } from "../nav";
import { durationRange, priceRange, type ServiceGroup } from "../catalogue";
import { formatDuration, formatPrice, inLang, t } from "../i18n";
import { Header } from "../ui/buttons";
import { Avatar, Data, Row, Section } from "../ui/kit";

export function groupPrice(group: ServiceGroup): string {
  const [low, high] = priceRange(group);
  return low === high ? formatPrice(low) : t("price_from", { price: formatPrice(low) });
}

export function groupDuration(group: ServiceGroup): string {
  const [short, long] = durationRange(group);
  return short === long ? formatDuration(short) : `${short}–${formatDuration(long)}`;
}

/** The services of a category (in the chosen city), or of one specialist (a link to them). */
export function Services({
  ctx,
  screen,
  onBack,
}: {
  ctx: Ctx;
  screen: Extract<Screen, { name: "services" }>;
  onBack?: () => void;
}) {
  const { catalogue } = ctx;
  const person = screen.specialist !== undefined ? catalogue.specialists.get(screen.specialist) : undefined;
  if (person) {
    const groups = catalogue.offersOf(person.id);
    return (
      <main class="screen" data-screen="services">
        <Header title={t("title_services")} onBack={onBack} />
        <div class="person-card">
          <Avatar name={person.name} photo={person.photo} />
          <div>
            <div class="person-name">
              <Data>{person.name}</Data>
            </div>
            <div class="hint">
              <Data>{inLang(person.specialization, person.specialization_en)}</Data>
            </div>
            {person.description && (
              <p class="description">
                <Data>{person.description}</Data>
              </p>
            )}
          </div>
        </div>
        <Section title={t("choose_service")}>
          {groups.map((group) => {
            const pick = catalogue.pickFor(group, person.id);
            const service = pick.offer!.service;
            return (
              <Row
                testId={`service-${service.id}`}
                title={<Data>{inLang(service.name, service.name_en)}</Data>}
                subtitle={service.description ? <Data>{service.description}</Data> : undefined}
                meta={
                  <>
                    <b>{formatPrice(service.price)}</b>
                    <span>{formatDuration(service.duration)}</span>
                  </>
                }
                onClick={() => ctx.nav.go({ name: "times", pick })}
              />
            );
          })}
        </Section>
      </main>
    );
  }
  const groups = catalogue.groupsIn(ctx.city, screen.category);
  const category = catalogue.categories.find((c) => c.id === screen.category);
  return (
    <main class="screen" data-screen="services">
      <Header
        title={category ? <Data>{inLang(category.name, category.name_en)}</Data> : t("category_other")}
        onBack={onBack}
      />
      <Section title={t("choose_service")}>
        {groups.map((group) => (
          <Row
            testId={`group-${group.offers[0].service.id}`}
            title={<Data>{group.name}</Data>}
            subtitle={group.description ? <Data>{group.description}</Data> : undefined}
            meta={
              <>
                <b>{groupPrice(group)}</b>
                <span>{groupDuration(group)}</span>
              </>
            }
            onClick={() =>
              group.offers.length > 1
                ? ctx.nav.go({ name: "specialists", group })
                : ctx.nav.go({ name: "times", pick: { group, offer: group.offers[0] } })
            }
          />
        ))}
      </Section>
    </main>
  );
}
