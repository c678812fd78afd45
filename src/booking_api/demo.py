"""A realistic demo catalogue: two cities, specialists with weekly hours, services, clients."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking_api.business.models import BusinessProfile
from booking_api.core.config import Settings
from booking_api.core.security import make_password
from booking_api.models import (
    Break,
    Client,
    Service,
    ServiceCategory,
    Specialist,
    SpecialistSchedule,
    User,
)

CATEGORIES = [
    ("Ногтевой сервис", "Маникюр, педикюр, покрытие гель-лаком"),
    ("Волосы", "Стрижки, укладки, окрашивание"),
    ("Стоматология", "Профилактика и лечение"),
    ("Массаж", "Классический и спортивный массаж"),
    ("Косметология", "Уход за лицом"),
]

#: The English twin (``*_en``) of every Russian text of the catalogue above and below.
ENGLISH = {
    # categories and their descriptions
    "Ногтевой сервис": "Nail care",
    "Маникюр, педикюр, покрытие гель-лаком": "Manicure, pedicure, gel polish",
    "Волосы": "Hair",
    "Стрижки, укладки, окрашивание": "Haircuts, styling, colouring",
    "Стоматология": "Dentistry",
    "Профилактика и лечение": "Prevention and treatment",
    "Массаж": "Massage",
    "Классический и спортивный массаж": "Classic and sports massage",
    "Косметология": "Cosmetology",
    "Уход за лицом": "Facial care",
    # specializations, cities, specialists' descriptions
    "Мастер маникюра": "Nail technician",
    "Парикмахер": "Hairdresser",
    "Стоматолог": "Dentist",
    "Массажист": "Massage therapist",
    "Барбер": "Barber",
    "Косметолог": "Cosmetologist",
    "Казань": "Kazan",
    "Москва": "Moscow",
    "Стаж 8 лет, аппаратный маникюр.": "8 years of experience, machine manicure.",
    "Женские и мужские стрижки, сложное окрашивание.": (
        "Women's and men's haircuts, complex colouring."
    ),
    "Стоматолог-терапевт, врач высшей категории.": "General dentist of the highest category.",
    "Классический, спортивный и лимфодренажный массаж.": (
        "Classic, sports and lymphatic drainage massage."
    ),
    "Мужские стрижки и борода.": "Men's haircuts and beards.",
    "Чистка и уход за лицом.": "Facial cleansing and care.",
    # services
    "Маникюр": "Manicure",
    "Маникюр с покрытием гель-лак": "Manicure with gel polish",
    "Педикюр": "Pedicure",
    "Стрижка женская": "Women's haircut",
    "Стрижка мужская": "Men's haircut",
    "Окрашивание": "Hair colouring",
    "Профессиональная чистка зубов": "Professional teeth cleaning",
    "Консультация стоматолога": "Dental consultation",
    "Массаж спины": "Back massage",
    "Общий массаж": "Full body massage",
    "Оформление бороды": "Beard trim",
    "Чистка лица": "Facial cleansing",
    "Уходовая процедура": "Facial care treatment",
}

#: A service's description, Russian and English, by its name.
SERVICE_ABOUT = {
    "Маникюр": ("Обработка ногтей и кутикулы без покрытия.", "Nail and cuticle care, no polish."),
    "Маникюр с покрытием гель-лак": (
        "Маникюр и покрытие гель-лаком, держится до трёх недель.",
        "Manicure with gel polish that lasts up to three weeks.",
    ),
    "Педикюр": ("Уход за стопами и ногтями.", "Foot and toenail care."),
    "Стрижка женская": ("Стрижка, мытьё и укладка.", "Cut, wash and styling."),
    "Стрижка мужская": ("Стрижка машинкой и ножницами.", "Clipper and scissor cut."),
    "Окрашивание": ("Окрашивание в один тон или сложное.", "Single-tone or complex colouring."),
    "Профессиональная чистка зубов": (
        "Ультразвук, Air Flow и полировка.",
        "Ultrasonic scaling, Air Flow and polishing.",
    ),
    "Консультация стоматолога": ("Осмотр и план лечения.", "Check-up and treatment plan."),
    "Массаж спины": ("Массаж спины и шейно-воротниковой зоны.", "Back, neck and shoulder massage."),
    "Общий массаж": ("Классический массаж всего тела.", "Classic full body massage."),
    "Оформление бороды": ("Стрижка и контур бороды.", "Beard trim and shaping."),
    "Чистка лица": ("Комбинированная чистка лица.", "Combined facial cleansing."),
    "Уходовая процедура": ("Увлажнение и питание кожи.", "Moisturising and nourishing care."),
}

# name, specialization, city, description, weekly hours (weekday -> (start, end)), services
SPECIALISTS = [
    (
        "Анна Иванова",
        "Мастер маникюра",
        "Казань",
        "Стаж 8 лет, аппаратный маникюр.",
        {
            0: ("09:00", "18:00"),
            1: ("09:00", "18:00"),
            2: ("09:00", "18:00"),
            3: ("09:00", "18:00"),
            4: ("09:00", "17:00"),
        },
        [
            ("Маникюр", "Ногтевой сервис", "1500.00", 60, 0, 10),
            ("Маникюр с покрытием гель-лак", "Ногтевой сервис", "2200.00", 90, 0, 10),
            ("Педикюр", "Ногтевой сервис", "2500.00", 90, 0, 15),
        ],
    ),
    (
        "Мария Петрова",
        "Парикмахер",
        "Казань",
        "Женские и мужские стрижки, сложное окрашивание.",
        {
            1: ("10:00", "20:00"),
            2: ("10:00", "20:00"),
            3: ("10:00", "20:00"),
            4: ("10:00", "20:00"),
            5: ("10:00", "16:00"),
        },
        [
            ("Стрижка женская", "Волосы", "1800.00", 60, 0, 0),
            ("Стрижка мужская", "Волосы", "1000.00", 30, 0, 0),
            ("Окрашивание", "Волосы", "4500.00", 150, 0, 15),
        ],
    ),
    (
        "Олег Смирнов",
        "Стоматолог",
        "Казань",
        "Стоматолог-терапевт, врач высшей категории.",
        {0: ("08:00", "16:00"), 2: ("08:00", "16:00"), 4: ("08:00", "16:00")},
        [
            ("Профессиональная чистка зубов", "Стоматология", "4000.00", 60, 5, 10),
            ("Консультация стоматолога", "Стоматология", "800.00", 30, 0, 5),
        ],
    ),
    (
        "Елена Кузнецова",
        "Массажист",
        "Москва",
        "Классический, спортивный и лимфодренажный массаж.",
        {
            0: ("11:00", "21:00"),
            1: ("11:00", "21:00"),
            3: ("11:00", "21:00"),
            4: ("11:00", "21:00"),
            6: ("12:00", "18:00"),
        },
        [
            ("Массаж спины", "Массаж", "2000.00", 45, 0, 15),
            ("Общий массаж", "Массаж", "3500.00", 90, 0, 15),
        ],
    ),
    (
        "Дмитрий Волков",
        "Барбер",
        "Москва",
        "Мужские стрижки и борода.",
        {
            1: ("10:00", "19:00"),
            2: ("10:00", "19:00"),
            3: ("10:00", "19:00"),
            4: ("10:00", "19:00"),
            5: ("10:00", "19:00"),
        },
        [
            ("Стрижка мужская", "Волосы", "1500.00", 45, 0, 0),
            ("Оформление бороды", "Волосы", "900.00", 30, 0, 0),
        ],
    ),
    (
        "Ольга Соколова",
        "Косметолог",
        "Москва",
        "Чистка и уход за лицом.",
        {
            0: ("10:00", "18:00"),
            2: ("10:00", "18:00"),
            4: ("10:00", "18:00"),
            5: ("10:00", "15:00"),
        },
        [
            ("Чистка лица", "Косметология", "3000.00", 75, 0, 15),
            ("Уходовая процедура", "Косметология", "2500.00", 60, 0, 10),
        ],
    ),
]

BUSINESS = {
    # The name is left to the MCP server's BUSINESS_NAME setting.
    "address": "Казань, ул. Баумана, 15 (вход со двора); Москва, ул. Тверская, 8, 2 этаж",
    "address_en": "15 Baumana St, Kazan (entrance from the courtyard); "
    "8 Tverskaya St, Moscow, 2nd floor",
    "phone": "+7 843 200-00-00",
    "opening_hours": "Пн–Пт 9:00–21:00, Сб 10:00–19:00, Вс 12:00–18:00",
    "opening_hours_en": "Mon–Fri 9am–9pm, Sat 10am–7pm, Sun noon–6pm",
    "faq": [
        {
            "question": "Есть ли парковка?",
            "answer": "Да: в Казани бесплатная парковка во дворе, в Москве — городская "
            "платная парковка у входа.",
            "question_en": "Is there parking?",
            "answer_en": "Yes: free parking in the courtyard in Kazan, and paid city parking "
            "at the entrance in Moscow.",
        },
        {
            "question": "Как до вас добраться?",
            "answer": "В Казани — 5 минут пешком от метро «Кремлёвская», в Москве — 3 минуты "
            "от метро «Охотный Ряд».",
            "question_en": "How do I get there?",
            "answer_en": "In Kazan, a 5-minute walk from Kremlyovskaya metro station; in "
            "Moscow, 3 minutes from Okhotny Ryad metro station.",
        },
        {
            "question": "Как можно оплатить?",
            "answer": "Наличными, картой или по СБП — на месте после процедуры.",
            "question_en": "How can I pay?",
            "answer_en": "Cash, card or SBP transfer, on site after the visit.",
        },
    ],
}

CLIENTS = [
    ("Светлана Орлова", "+79171234567", "svetlana@example.com", "Казань"),
    ("Игорь Лебедев", "+79270001122", "igor@example.com", "Казань"),
    ("Наталья Морозова", "+79161112233", "natalia@example.com", "Москва"),
]


def _t(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


async def seed_demo(session: AsyncSession, settings: Settings) -> bool:
    """Fill an empty catalogue; returns False (and changes nothing) when one exists."""
    if await session.scalar(select(func.count()).select_from(Specialist)):
        return False
    categories = {}
    for name, description in CATEGORIES:
        categories[name] = ServiceCategory(
            name=name,
            description=description,
            name_en=ENGLISH[name],
            description_en=ENGLISH[description],
        )
        session.add(categories[name])
    iterations = min(settings.password_hash_iterations, 100_000)
    for i, (name, spec, city, about, hours, services) in enumerate(SPECIALISTS, start=1):
        user = User(
            username=f"specialist{i}",
            password=make_password("demo12345", iterations=iterations),
            first_name=name.split()[0],
            last_name=name.split()[-1],
            email=f"specialist{i}@example.com",
        )
        specialist = Specialist(
            name=name,
            specialization=spec,
            city=city,
            description=about,
            user=user,
            specialization_en=ENGLISH[spec],
            city_en=ENGLISH[city],
            description_en=ENGLISH[about],
        )
        session.add(specialist)
        await session.flush()
        for weekday, (start, end) in hours.items():
            session.add(
                SpecialistSchedule(
                    specialist_id=specialist.id,
                    day_of_week=weekday,
                    start_time=_t(start),
                    end_time=_t(end),
                )
            )
        session.add(
            Break(
                specialist_id=specialist.id,
                day_of_week=None,
                start_time=_t("13:00"),
                end_time=_t("14:00"),
            )
        )
        for title, category, price, duration, before, after in services:
            session.add(
                Service(
                    name=title,
                    description=SERVICE_ABOUT[title][0],
                    name_en=ENGLISH[title],
                    description_en=SERVICE_ABOUT[title][1],
                    price=Decimal(price),
                    duration=duration,
                    specialist_id=specialist.id,
                    category=categories[category],
                    buffer_before=before,
                    buffer_after=after,
                )
            )
    if await session.get(BusinessProfile, 1) is None:
        session.add(BusinessProfile(id=1, **BUSINESS))
    for i, (name, phone, email, city) in enumerate(CLIENTS, start=1):
        user = User(
            username=f"client{i}",
            password=make_password("demo12345", iterations=iterations),
            first_name=name.split()[0],
            email=email,
        )
        session.add(Client(name=name, phone=phone, email=email, city=city, user=user))
    await session.commit()
    return True
