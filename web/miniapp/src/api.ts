// The REST API, as any client uses it: public catalogue reads, Telegram sign-in with initData,
// then bearer tokens (refreshed when they expire) for the client's own bookings.

// `*_en`: the English twin of a text (empty when there is none; absent from older APIs).
export interface Category {
  id: number;
  name: string;
  description: string;
  name_en?: string;
}

export interface ScheduleRow {
  day_of_week: number; // 0 = Monday
  start_time: string;
  end_time: string;
}

export interface Specialist {
  id: number;
  name: string;
  specialization: string;
  description: string;
  photo: string | null;
  city: string;
  schedules: ScheduleRow[];
  specialization_en?: string;
  city_en?: string;
}

export interface Service {
  id: number;
  name: string;
  description: string;
  price: string;
  duration: number;
  specialist: number;
  category: number | null;
  name_en?: string;
  description_en?: string;
}

export interface Slot {
  start_time: string; // HH:MM
  end_time: string;
}

export interface NearestSlot extends Slot {
  specialist: number;
  service: number;
  price: string;
  date: string;
}

export interface Appointment {
  id: number;
  service: number;
  service_name: string;
  service_name_en?: string;
  specialist: number;
  specialist_name: string;
  date: string;
  start_time: string; // HH:MM:SS
  end_time: string;
  status: "pending" | "confirmed" | "completed" | "cancelled";
}

export interface WaitlistEntry {
  id: number;
  service: number;
  service_name: string;
  service_name_en?: string;
  specialist: number | null;
  specialist_name: string | null;
  date: string;
  status: "active" | "offered" | "booked" | "cancelled" | "expired";
  offer: { token: string; specialist: number; start_time: string; end_time: string } | null;
}

export interface Client {
  id: number;
  name: string;
  city: string;
}

/** An answer other than 2xx. `message` is the API's first error text (the contract's texts:
 * `{"non_field_errors": [...]}`, `{"error": ...}`, `{"detail": ...}`, `{"field": [...]}`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string = "",
  ) {
    super(message);
  }
}

/** The network failed (no answer at all). */
export class NetworkError extends Error {}

function firstMessage(body: unknown): string {
  if (typeof body === "string") return body;
  if (Array.isArray(body)) return body.length ? firstMessage(body[0]) : "";
  if (body && typeof body === "object") {
    const record = body as Record<string, unknown>;
    for (const key of ["non_field_errors", "error", "detail"]) {
      if (key in record) return firstMessage(record[key]);
    }
    const first = Object.values(record)[0];
    return first === undefined ? "" : firstMessage(first);
  }
  return "";
}

const BASE = "/api/";

let accessToken = "";
let refreshToken = "";
let session: Promise<Client> | null = null;
let renewing: Promise<void> | null = null;

async function send(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)["Content-Type"] = "application/json";
  }
  try {
    return await fetch(BASE + path, init);
  } catch (error) {
    throw new NetworkError(String(error));
  }
}

async function parse<T>(response: Response): Promise<T> {
  const text = await response.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  if (!response.ok) {
    const code =
      data && typeof data === "object" && "code" in data ? String((data as { code: unknown }).code) : "";
    throw new ApiError(response.status, firstMessage(data), code);
  }
  return data as T;
}

/** A public read (catalogue, free time). */
export async function get<T>(path: string): Promise<T> {
  return parse<T>(await send("GET", path));
}

/** Sign in with Telegram's initData (the API checks its HMAC and freshness). */
export function signIn(initData: string): Promise<Client> {
  session = (async () => {
    const answer = await parse<{ access: string; refresh: string; client: Client }>(
      await send("POST", "auth/telegram/", { init_data: initData }),
    );
    accessToken = answer.access;
    refreshToken = answer.refresh;
    return answer.client;
  })();
  return session;
}

async function renew(): Promise<void> {
  renewing ??= (async () => {
    const answer = await parse<{ access: string }>(
      await send("POST", "token/refresh/", { refresh: refreshToken }),
    );
    accessToken = answer.access;
  })().finally(() => {
    renewing = null;
  });
  return renewing;
}

/** A request as the signed-in client; an expired access token is refreshed once. */
export async function authed<T>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  if (!session) throw new ApiError(401, "Authentication credentials were not provided.");
  await session;
  const attempt = () =>
    send(method, path, body, { ...headers, Authorization: `Bearer ${accessToken}` });
  let response = await attempt();
  if (response.status === 401) {
    await renew();
    response = await attempt();
  }
  return parse<T>(response);
}

export function idempotencyKey(): string {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) =>
    b.toString(16).padStart(2, "0"),
  ).join("");
}

// --- the calls the page makes -------------------------------------------------------------

export const catalogue = () =>
  Promise.all([
    get<Category[]>("categories/"),
    get<Service[]>("services/"),
    get<Specialist[]>("specialists/"),
  ]);

export const availableDays = (specialist: number, service: number, month: string) =>
  get<string[]>(`specialists/${specialist}/available_days/?service=${service}&month=${month}`);

/** Free slots of a day; with `appointment` (one being moved, so as the signed-in client) its
 * own time does not block. */
export const availableSlots = (
  specialist: number,
  service: number,
  date: string,
  appointment?: number,
) => {
  const path = `specialists/${specialist}/available_slots/?date=${date}&service=${service}`;
  const found = appointment
    ? authed<Slot[]>("GET", `${path}&appointment=${appointment}`)
    : get<Slot[]>(path);
  return found.catch((error) => {
    // A day the specialist does not work is "no free time", not a failure.
    if (error instanceof ApiError && error.status === 400) return [] as Slot[];
    throw error;
  });
};

/** The earliest free slots of a service (its own specialist, or every specialist in `city`
 * offering a service of that name), from today to `dateTo`: the first day with room in one
 * request. */
export const nearestSlots = (
  service: number,
  specialist: number | null,
  dateTo: string,
  limit: number,
  city: string | null,
) =>
  get<NearestSlot[]>(
    `slots/nearest/?service=${service}&date_to=${dateTo}&limit=${limit}` +
      (specialist ? `&specialist=${specialist}` : "") +
      (city ? `&city=${encodeURIComponent(city)}` : ""),
  );

export const book = (
  choice: { service: number; specialist: number; date: string; start_time: string; end_time: string },
  key: string,
) => authed<Appointment>("POST", "appointments/", choice, { "Idempotency-Key": key });

export const myAppointments = (from: string) =>
  authed<Appointment[]>("GET", `appointments/?date_from=${from}&ordering=date,start_time`);

export const cancelAppointment = (id: number) =>
  authed<Appointment>("POST", `appointments/${id}/cancel/`);

export const reschedule = (id: number, date: string, start_time: string) =>
  authed<Appointment>("POST", `appointments/${id}/reschedule/`, { date, start_time });

export const myWaitlist = () => authed<WaitlistEntry[]>("GET", "waitlist/?ordering=date");

export const joinWaitlist = (service: number, specialist: number | null, date: string) =>
  authed<WaitlistEntry>("POST", "waitlist/", { service, specialist, date });

export const leaveWaitlist = (id: number) => authed<null>("DELETE", `waitlist/${id}/`);

export const claimOffer = (token: string) =>
  authed<Appointment>("POST", "waitlist/claim/", { token });
