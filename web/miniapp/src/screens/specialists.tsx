import type { Ctx } from "../nav";
import type { ServiceGroup } from "../catalogue";
import { formatDuration, formatPrice, inLang, t } from "../i18n";
import { Header } from "../ui/buttons";
import { Avatar, Data, Row, Section } from "../ui/kit";
import { groupDuration, groupPrice } from "./services";

/** Who: any specialist (the earliest free time of all), or one of them. */
export function Specialists({ ctx, group, onBack }: { ctx: Ctx; group: ServiceGroup; onBack?: () => void }) {
  return (
    <main class="screen" data-screen="specialists">
      <Header title={<Data>{group.name}</Data>} onBack={onBack} />
      {group.description && (
        <p class="description lead">
          <Data>{group.description}</Data>
        </p>
      )}
      <Section title={t("choose_specialist")}>
        <Row
          testId="specialist-any"
          before={<span class="avatar avatar-any" aria-hidden="true" />}
          title={t("any_specialist")}
          subtitle={t("any_specialist_hint")}
          meta={
            <>
              <b>{groupPrice(group)}</b>
              <span>{groupDuration(group)}</span>
            </>
          }
          onClick={() => ctx.nav.go({ name: "times", pick: { group, offer: null } })}
        />
        {group.offers.map((offer) => (
          <Row
            testId={`specialist-${offer.specialist.id}`}
            before={<Avatar name={offer.specialist.name} photo={offer.specialist.photo} />}
            title={<Data>{offer.specialist.name}</Data>}
            subtitle={<Data>{inLang(offer.specialist.specialization, offer.specialist.specialization_en)}</Data>}
            meta={
              <>
                <b>{formatPrice(offer.service.price)}</b>
                <span>{formatDuration(offer.service.duration)}</span>
              </>
            }
            onClick={() => ctx.nav.go({ name: "times", pick: { group, offer } })}
          />
        ))}
      </Section>
    </main>
  );
}
