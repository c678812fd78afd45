// The staff board at /admin/board: one column per specialist (EventCalendar's resource
// time grid, MIT), working hours, breaks and time off shaded, appointments as blocks
// coloured by status. Every change is a JSON call to /admin/board/…, which answers with the
// API's own texts; they are shown as they come.

import {
  createCalendar,
  Interaction,
  ResourceTimeGrid,
  type Calendar,
} from "@event-calendar/core";

interface Column {
  id: string;
  title: string;
  extendedProps: { role: string };
}

interface Config {
  columns: Column[];
  slotMin: string;
  slotMax: string;
  slotMinutes: number;
  today: string;
  utcOffset: string;
  date: string | null;
  view: "day" | "week";
  canBook: boolean;
  statuses: Record<string, string>;
  urls: {
    events: string;
    services: string;
    clients: string;
    appointments: string;
    edit: string;
  };
}

interface BlockProps {
  status: string;
  client: string;
  client_id: number;
  phone: string;
  client_no_shows: number;
  service: string;
  specialist: string;
  actions: string[];
  can_move: boolean;
}

interface ServiceRow {
  id: number;
  name: string;
  duration: number;
  price: string;
}

interface ClientRow {
  id: number;
  name: string;
  phone: string;
  no_shows: number;
}

type EventInput = Calendar.EventInput & { extendedProps?: Partial<BlockProps> };

const VIEWS = { day: "resourceTimeGridDay", week: "resourceTimeGridWeek" } as const;
const ACTION_DONE: Record<string, string> = {
  confirm: "Запись подтверждена.",
  complete: "Запись завершена.",
  cancel: "Запись отменена.",
  no_show: "Отмечена неявка.",
  move: "Запись перенесена.",
};
const EXPIRED = "Сессия истекла: войдите снова.";

const config: Config = JSON.parse(byId("board-config").textContent || "{}");

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing`);
  return found as T;
}

function field<T extends HTMLElement = HTMLInputElement>(root: ParentNode, name: string): T {
  const found = root.querySelector(`[name="${name}"]`);
  if (!found) throw new Error(`[name=${name}] is missing`);
  return found as T;
}

function escapeHtml(text: string): string {
  const map: Record<string, string> = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&#39;",
  };
  return text.replace(/[&<>"']/g, (c) => map[c]);
}

// --- talking to the admin -------------------------------------------------------------------

class Refused extends Error {}

async function call<T>(url: string, body?: unknown): Promise<T> {
  const init: RequestInit = { credentials: "same-origin", headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.method = "POST";
    init.headers = { ...init.headers, "Content-Type": "application/json" };
    init.body = JSON.stringify(body);
  }
  const response = await fetch(url, init);
  const type = response.headers.get("content-type") || "";
  if (!type.includes("application/json")) throw new Refused(EXPIRED); // the login page
  const data = await response.json();
  if (!response.ok) throw new Refused(data.error || `Ошибка ${response.status}`);
  return data as T;
}

function query(url: string, params: Record<string, string>): string {
  return `${url}?${new URLSearchParams(params)}`;
}

// --- wall-clock dates -----------------------------------------------------------------------
// The calendar runs at the salon's UTC offset (its "today", its now line) and the server sends
// local times without an offset ("floating"): the calendar's Dates carry that wall clock in
// their UTC fields, whatever the browser's time zone.

const pad = (n: number) => String(n).padStart(2, "0");
const dayOf = (d: Date) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
const timeOf = (d: Date) => `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;

function addMinutes(time: string, minutes: number): string {
  const [h, m] = time.split(":").map(Number);
  const total = Math.min(h * 60 + m + minutes, 24 * 60 - 1);
  return `${pad(Math.floor(total / 60))}:${pad(total % 60)}`;
}

function humanDay(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  return date.toLocaleDateString("ru-RU", {
    weekday: "long",
    day: "numeric",
    month: "long",
    timeZone: config.utcOffset,
  });
}

// --- the toast and the dialogs' errors --------------------------------------------------------

let toastTimer = 0;

function toast(text: string): void {
  const box = byId("board-toast");
  box.textContent = text;
  box.hidden = false;
  window.clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => (box.hidden = true), 4000);
}

function showError(dialog: HTMLElement, text: string | null): void {
  const box = dialog.querySelector<HTMLElement>(".board-error");
  if (!box) return;
  box.textContent = text || "";
  box.hidden = !text;
}

function closeable(dialog: HTMLDialogElement): void {
  dialog.querySelectorAll("[data-close]").forEach((b) =>
    b.addEventListener("click", () => dialog.close()),
  );
}

// --- the calendar -----------------------------------------------------------------------------

let hideCancelled = false;
let onlyColumn = "";

function visibleColumns(): Column[] {
  return onlyColumn ? config.columns.filter((c) => c.id === onlyColumn) : config.columns;
}

async function loadEvents(info: { startStr: string; endStr: string }): Promise<EventInput[]> {
  const url = query(config.urls.events, {
    start: info.startStr.slice(0, 10),
    end: info.endStr.slice(0, 10),
  });
  const rows = await call<EventInput[]>(url);
  return rows.filter((row) => {
    const status = row.extendedProps?.status;
    if (hideCancelled && (status === "cancelled" || status === "no_show")) return false;
    const ids = ([] as (string | number)[]).concat(row.resourceIds ?? []);
    return !onlyColumn || ids.map(String).includes(onlyColumn);
  });
}

function blockContent(info: { event: Calendar.Event; timeText: string }): Calendar.Content {
  const props = info.event.extendedProps as Partial<BlockProps>;
  if (!props.client) return "";
  const warn = props.client_no_shows
    ? `<span class="board-warn" title="Неявок клиента">⚠ ${props.client_no_shows}</span>`
    : "";
  const status = config.statuses[props.status || ""] || "";
  return {
    html:
      `<div class="board-block-time">${escapeHtml(info.timeText)} · ${escapeHtml(status)}</div>` +
      `<div class="board-block-client">${escapeHtml(props.client)} ${warn}</div>` +
      `<div class="board-block-service">${escapeHtml(props.service || "")}</div>`,
  };
}

const calendar = createCalendar(byId("board-calendar"), [ResourceTimeGrid, Interaction], {
  view: VIEWS[config.view],
  date: config.date || config.today,
  locale: "ru-RU",
  timeZone: config.utcOffset,
  firstDay: 1,
  height: "auto",
  allDaySlot: false,
  nowIndicator: true,
  slotMinTime: config.slotMin,
  slotMaxTime: config.slotMax,
  slotDuration: { minutes: config.slotMinutes },
  scrollTime: config.slotMin,
  resources: config.columns,
  headerToolbar: {
    start: "prev,next today",
    center: "title",
    end: "resourceTimeGridDay,resourceTimeGridWeek",
  },
  buttonText: {
    today: "Сегодня",
    resourceTimeGridDay: "День",
    resourceTimeGridWeek: "Неделя",
  } as Calendar.Options["buttonText"],
  dayHeaderFormat: { weekday: "short", day: "numeric", month: "numeric" },
  titleFormat: { weekday: "long", day: "numeric", month: "long", year: "numeric" },
  views: {
    // A week has a column per specialist and day: the day's number is header enough.
    resourceTimeGridWeek: {
      dayHeaderFormat: { day: "numeric" },
      titleFormat: { day: "numeric", month: "long", year: "numeric" },
    },
  },
  slotLabelFormat: { hour: "2-digit", minute: "2-digit" },
  eventTimeFormat: { hour: "2-digit", minute: "2-digit" },
  editable: false,
  eventStartEditable: true,
  eventDurationEditable: true,
  selectable: false,
  eventSources: [{ events: loadEvents }],
  eventContent: blockContent,
  eventClick: (info) => {
    if (info.event.display === "background") return;
    openBlock(info.event);
  },
  dateClick: (info) => {
    if (!config.canBook || !info.resource) return;
    openBooking(String(info.resource.id), dayOf(info.date), timeOf(info.date));
  },
  eventDrop: (info) => moveByDrag(info.event, info.revert, info.oldResource, info.newResource),
  eventResize: (info) => moveByDrag(info.event, info.revert),
});

function refresh(): void {
  calendar.refetchEvents();
}

async function moveByDrag(
  event: Calendar.Event,
  revert: () => void,
  from?: Calendar.Resource,
  to?: Calendar.Resource,
): Promise<void> {
  if (to && from && to.id !== from.id) {
    revert();
    toast("Запись переносится только в колонке своего специалиста.");
    return;
  }
  try {
    await call(`${config.urls.appointments}/${event.id}/move`, {
      date: dayOf(event.start),
      start_time: timeOf(event.start),
      end_time: timeOf(event.end),
    });
    toast(ACTION_DONE.move);
  } catch (error) {
    revert();
    toast((error as Error).message);
  }
  refresh();
}

// --- booking a free slot ----------------------------------------------------------------------

const bookDialog = byId<HTMLDialogElement>("book-dialog");
const serviceSelect = byId<HTMLSelectElement>("book-service");
const startInput = byId<HTMLInputElement>("book-start");
const endInput = byId<HTMLInputElement>("book-end");
const searchInput = byId<HTMLInputElement>("book-client-search");
const results = byId("book-client-results");
const chosenBox = byId("book-client-chosen");
const newClientFields = byId("book-new-client-fields");
let booking = { column: "", day: "", client: 0 };
let searchTimer = 0;

closeable(bookDialog);

function setEnd(): void {
  const option = serviceSelect.selectedOptions[0];
  const minutes = Number(option?.dataset.duration || 0);
  if (startInput.value && minutes) endInput.value = addMinutes(startInput.value, minutes);
}

function choose(client: ClientRow | null): void {
  booking.client = client ? client.id : 0;
  results.replaceChildren();
  chosenBox.hidden = !client;
  searchInput.hidden = Boolean(client);
  if (client) {
    const warn = client.no_shows ? ` · неявок: ${client.no_shows}` : "";
    chosenBox.innerHTML =
      `<strong>${escapeHtml(client.name)}</strong> ${escapeHtml(client.phone)}${warn} ` +
      `<button type="button" class="btn btn-sm btn-link" data-unchoose>другой</button>`;
    chosenBox.querySelector("[data-unchoose]")?.addEventListener("click", () => choose(null));
    newClientFields.hidden = true;
  }
}

async function search(): Promise<void> {
  const text = searchInput.value.trim();
  if (!text) {
    results.replaceChildren();
    return;
  }
  try {
    const rows = await call<ClientRow[]>(query(config.urls.clients, { q: text }));
    results.replaceChildren(
      ...rows.map((row) => {
        const item = document.createElement("button");
        item.type = "button";
        item.className = "list-group-item list-group-item-action client-option";
        item.dataset.id = String(row.id);
        const warn = row.no_shows ? ` · неявок: ${row.no_shows}` : "";
        item.textContent = `${row.name} ${row.phone}${warn}`;
        item.addEventListener("click", () => choose(row));
        return item;
      }),
    );
    if (!rows.length) results.innerHTML = `<div class="text-muted small p-1">Не найдено</div>`;
  } catch (error) {
    showError(bookDialog, (error as Error).message);
  }
}

async function openBooking(column: string, day: string, time: string): Promise<void> {
  booking = { column, day, client: 0 };
  const specialist = config.columns.find((c) => c.id === column);
  byId("book-when").textContent = `${specialist?.title || ""}, ${humanDay(day)}`;
  showError(bookDialog, null);
  choose(null);
  searchInput.value = "";
  newClientFields.hidden = true;
  field(bookDialog, "client-name").value = "";
  field(bookDialog, "client-phone").value = "";
  startInput.value = time;
  endInput.value = "";
  serviceSelect.replaceChildren();
  bookDialog.showModal();
  searchInput.focus();
  try {
    const rows = await call<ServiceRow[]>(query(config.urls.services, { specialist: column }));
    serviceSelect.replaceChildren(
      ...rows.map((row) => {
        const option = new Option(`${row.name} — ${row.duration} мин, ${row.price} ₽`, String(row.id));
        option.dataset.duration = String(row.duration);
        return option;
      }),
    );
    if (!rows.length) showError(bookDialog, "У специалиста нет активных услуг.");
    setEnd();
  } catch (error) {
    showError(bookDialog, (error as Error).message);
  }
}

async function submitBooking(): Promise<void> {
  showError(bookDialog, null);
  try {
    if (!booking.client && !newClientFields.hidden) {
      const made = await call<ClientRow>(config.urls.clients, {
        name: field(bookDialog, "client-name").value.trim(),
        phone: field(bookDialog, "client-phone").value.trim(),
      });
      choose(made);
    }
    if (!booking.client) throw new Refused("Выберите клиента или добавьте нового.");
    await call(config.urls.appointments, {
      client: booking.client,
      service: Number(serviceSelect.value) || null,
      specialist: Number(booking.column),
      date: booking.day,
      start_time: startInput.value,
      end_time: endInput.value,
      status: field<HTMLSelectElement>(bookDialog, "status").value,
    });
    bookDialog.close();
    toast("Запись создана.");
    refresh();
  } catch (error) {
    showError(bookDialog, (error as Error).message);
  }
}

serviceSelect.addEventListener("change", setEnd);
startInput.addEventListener("change", setEnd);
searchInput.addEventListener("input", () => {
  window.clearTimeout(searchTimer);
  searchTimer = window.setTimeout(search, 250);
});
byId("book-new-client").addEventListener("click", () => {
  choose(null);
  newClientFields.hidden = false;
  field(bookDialog, "client-name").value = searchInput.value.trim();
  field(bookDialog, "client-name").focus();
});
byId("book-submit").addEventListener("click", submitBooking);

// --- a block: confirm, complete, cancel, no-show, move -----------------------------------------

const eventDialog = byId<HTMLDialogElement>("event-dialog");
let current: Calendar.Event | null = null;

closeable(eventDialog);

function openBlock(event: Calendar.Event): void {
  current = event;
  const props = event.extendedProps as unknown as BlockProps;
  showError(eventDialog, null);
  byId("event-title").textContent = `${props.client} · ${props.service}`;
  const facts: [string, string][] = [
    ["Когда", `${humanDay(dayOf(event.start))}, ${timeOf(event.start)}–${timeOf(event.end)}`],
    ["Специалист", props.specialist],
    ["Статус", config.statuses[props.status] || props.status],
    ["Телефон", props.phone || "—"],
    ["Неявок клиента", String(props.client_no_shows)],
  ];
  byId("event-facts").innerHTML = facts
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`)
    .join("");
  eventDialog.querySelectorAll<HTMLButtonElement>("[data-action]").forEach((button) => {
    button.hidden = !props.actions.includes(button.dataset.action || "");
  });
  const move = byId("event-move");
  move.hidden = !props.can_move;
  field(move, "move-date").value = dayOf(event.start);
  field(move, "move-time").value = timeOf(event.start);
  const edit = byId<HTMLAnchorElement>("event-edit");
  edit.hidden = !config.canBook;
  edit.href = config.urls.edit.replace(/\/0$/, `/${event.id}`);
  eventDialog.showModal();
}

async function change(action: string, body: unknown = {}): Promise<void> {
  if (!current) return;
  showError(eventDialog, null);
  try {
    await call(`${config.urls.appointments}/${current.id}/${action}`, body);
    eventDialog.close();
    toast(ACTION_DONE[action]);
    refresh();
  } catch (error) {
    showError(eventDialog, (error as Error).message);
  }
}

eventDialog.querySelectorAll<HTMLButtonElement>("[data-action]").forEach((button) =>
  button.addEventListener("click", () => change(button.dataset.action || "")),
);
byId("event-move-submit").addEventListener("click", () => {
  const move = byId("event-move");
  change("move", { date: field(move, "move-date").value, start_time: field(move, "move-time").value });
});

// --- the toolbar above the calendar -------------------------------------------------------------

const picker = byId<HTMLSelectElement>("board-specialist");
picker.append(...config.columns.map((c) => new Option(c.title, c.id)));
picker.hidden = config.columns.length < 2;
picker.closest("label")!.hidden = config.columns.length < 2;
picker.addEventListener("change", () => {
  onlyColumn = picker.value;
  calendar.setOption("resources", visibleColumns());
  refresh();
});
byId<HTMLInputElement>("board-hide-cancelled").addEventListener("change", (e) => {
  hideCancelled = (e.target as HTMLInputElement).checked;
  refresh();
});

// The calendar, for the browser console (and the browser tests: dateFromPoint).
Object.assign(window, { boardCalendar: calendar });
