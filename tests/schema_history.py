"""The schema statements that clientops versions 1 to 12 shipped, as they shipped them.

Frozen copies of ``MIGRATIONS`` from ``clientops.adapters.sqlite`` and ``.postgres`` before
the schema was declared once (``clientops.adapters._schema``): ``SQLITE[i]`` took a database
from version ``i`` to ``i + 1``. tests/test_schema.py builds the databases of every past
version with them, as users have them. Never edit them; a version that changes a table
appends its statements as shipped (13 changed none; 14 added the external ids).
"""

from __future__ import annotations

SQLITE: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE clients (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            version INTEGER NOT NULL,
            name_key TEXT NOT NULL,
            city_key TEXT NOT NULL,
            manager_id TEXT,
            doc TEXT NOT NULL)""",
        "CREATE INDEX clients_name ON clients(name_key, city_key)",
        "CREATE INDEX clients_manager ON clients(manager_id)",
        """CREATE TABLE client_phones (
            e164 TEXT NOT NULL,
            client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
            PRIMARY KEY (e164, client_id)) WITHOUT ROWID""",
        "CREATE INDEX client_phones_client ON client_phones(client_id)",
        """CREATE TABLE client_contracts (
            contract_key TEXT PRIMARY KEY,
            client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE) WITHOUT ROWID""",
        "CREATE INDEX client_contracts_client ON client_contracts(client_id)",
        """CREATE TABLE appeals (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            client_id TEXT NOT NULL REFERENCES clients(id),
            version INTEGER NOT NULL,
            doc TEXT NOT NULL)""",
        "CREATE INDEX appeals_client ON appeals(client_id)",
        """CREATE TABLE reactions (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            appeal_id TEXT NOT NULL REFERENCES appeals(id),
            client_id TEXT NOT NULL REFERENCES clients(id),
            department_id TEXT,
            employee_id TEXT,
            due_at TEXT NOT NULL,
            done INTEGER NOT NULL,
            version INTEGER NOT NULL,
            doc TEXT NOT NULL)""",
        "CREATE INDEX reactions_employee_due ON reactions(employee_id, done, due_at)",
        "CREATE INDEX reactions_department_due ON reactions(department_id, done, due_at)",
        "CREATE INDEX reactions_client ON reactions(client_id, due_at)",
        "CREATE INDEX reactions_appeal ON reactions(appeal_id)",
        "CREATE TABLE departments (id TEXT PRIMARY KEY, doc TEXT NOT NULL)",
        """CREATE TABLE employees (
            id TEXT PRIMARY KEY,
            department_id TEXT NOT NULL REFERENCES departments(id),
            doc TEXT NOT NULL)""",
        """CREATE TABLE absences (
            seq INTEGER PRIMARY KEY,
            employee_id TEXT NOT NULL REFERENCES employees(id),
            doc TEXT NOT NULL)""",
        # counts changes to the staff tables, so a store can keep its directory cached
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID",
        "INSERT INTO meta(key, value) VALUES ('staff_rev', 0)",
    ),
    (
        # idempotency keys of batches (imports, billing runs) that have committed
        "CREATE TABLE batch_keys (key TEXT PRIMARY KEY) WITHOUT ROWID",
        # side effects waiting for delivery, see clientops.outbox
        """CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            key TEXT NOT NULL UNIQUE,
            topic TEXT NOT NULL,
            status TEXT NOT NULL,
            next_attempt_at TEXT NOT NULL,
            lease_until TEXT,
            attempts INTEGER NOT NULL,
            doc TEXT NOT NULL)""",
        "CREATE INDEX outbox_due ON outbox(status, next_attempt_at)",
    ),
    (
        # columns the agenda reads without parsing whole records
        "ALTER TABLE clients ADD COLUMN name TEXT",
        "UPDATE clients SET name=json_extract(doc, '$.name')",
        "ALTER TABLE reactions ADD COLUMN kind TEXT",
        "ALTER TABLE reactions ADD COLUMN topic TEXT",
        "UPDATE reactions SET kind=json_extract(doc, '$.kind'), topic=json_extract(doc, '$.topic')",
    ),
    (
        # client folders on their way through the onboarding checklist
        """CREATE TABLE onboardings (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            client_id TEXT NOT NULL REFERENCES clients(id),
            manager_id TEXT NOT NULL,
            finished INTEGER NOT NULL,
            version INTEGER NOT NULL,
            doc TEXT NOT NULL)""",
        "CREATE INDEX onboardings_client ON onboardings(client_id)",
        "CREATE INDEX onboardings_manager ON onboardings(manager_id, finished)",
    ),
    (
        # client orders on their way from the preliminary request to the closed deal
        """CREATE TABLE orders (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            client_id TEXT NOT NULL REFERENCES clients(id),
            number TEXT NOT NULL UNIQUE,
            stage TEXT NOT NULL,
            version INTEGER NOT NULL,
            doc TEXT NOT NULL)""",
        "CREATE INDEX orders_client ON orders(client_id)",
        "CREATE INDEX orders_stage ON orders(stage)",
    ),
    (
        # the call log: one entry per call, folded from the PBX's events
        """CREATE TABLE calls (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            client_id TEXT REFERENCES clients(id),
            employee_id TEXT,
            at TEXT,
            version INTEGER NOT NULL,
            doc TEXT NOT NULL)""",
        "CREATE INDEX calls_at ON calls(at)",
        "CREATE INDEX calls_client ON calls(client_id, at)",
    ),
    (
        # billing: subscriptions, invoices, payments with their allocations and the credits
        # they leave, the bills of suppliers
        """CREATE TABLE subscriptions (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            client_id TEXT NOT NULL REFERENCES clients(id),
            version INTEGER NOT NULL,
            doc TEXT NOT NULL)""",
        "CREATE INDEX subscriptions_client ON subscriptions(client_id)",
        """CREATE TABLE invoices (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            number TEXT NOT NULL,
            number_key TEXT NOT NULL UNIQUE,
            client_id TEXT NOT NULL REFERENCES clients(id),
            subscription_id TEXT,
            period TEXT NOT NULL,
            status TEXT NOT NULL,
            issue_date TEXT NOT NULL,
            version INTEGER NOT NULL,
            doc TEXT NOT NULL)""",
        "CREATE INDEX invoices_client ON invoices(client_id)",
        "CREATE INDEX invoices_period ON invoices(period)",
        "CREATE INDEX invoices_status ON invoices(status)",
        "CREATE INDEX invoices_issue_date ON invoices(issue_date)",
        """CREATE TABLE payments (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            client_id TEXT REFERENCES clients(id),
            date TEXT NOT NULL,
            version INTEGER NOT NULL,
            doc TEXT NOT NULL)""",
        "CREATE INDEX payments_client ON payments(client_id, date)",
        """CREATE TABLE allocations (
            seq INTEGER PRIMARY KEY,
            payment_id TEXT NOT NULL,
            invoice_id TEXT NOT NULL,
            client_id TEXT NOT NULL,
            doc TEXT NOT NULL,
            UNIQUE (payment_id, invoice_id))""",
        "CREATE INDEX allocations_client ON allocations(client_id)",
        """CREATE TABLE credits (
            seq INTEGER PRIMARY KEY,
            client_id TEXT NOT NULL,
            doc TEXT NOT NULL)""",
        "CREATE INDEX credits_client ON credits(client_id)",
        """CREATE TABLE supplier_bills (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            version INTEGER NOT NULL,
            doc TEXT NOT NULL)""",
    ),
    (
        # claims, the satisfaction round's assignments, service contracts, visits, trainings
        """CREATE TABLE claims (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            client_id TEXT NOT NULL REFERENCES clients(id),
            stage TEXT NOT NULL,
            department_id TEXT NOT NULL,
            manager_id TEXT,
            filed_at TEXT NOT NULL,
            closed_at TEXT,
            version INTEGER NOT NULL,
            doc TEXT NOT NULL)""",
        "CREATE INDEX claims_client ON claims(client_id)",
        "CREATE INDEX claims_stage ON claims(stage, department_id)",
        "CREATE INDEX claims_filed ON claims(filed_at)",
        "CREATE INDEX claims_closed ON claims(closed_at)",
        """CREATE TABLE satisfaction (
            client_id TEXT PRIMARY KEY REFERENCES clients(id),
            manager_id TEXT NOT NULL,
            assigned_on TEXT NOT NULL,
            last_call TEXT) WITHOUT ROWID""",
        "CREATE INDEX satisfaction_last_call ON satisfaction(manager_id, last_call)",
        "CREATE INDEX satisfaction_assigned ON satisfaction(manager_id, assigned_on)",
        """CREATE TABLE service_contracts (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            client_id TEXT NOT NULL REFERENCES clients(id),
            number TEXT NOT NULL,
            version INTEGER NOT NULL,
            doc TEXT NOT NULL)""",
        "CREATE INDEX service_contracts_client ON service_contracts(client_id)",
        """CREATE TABLE visits (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            client_id TEXT NOT NULL REFERENCES clients(id),
            contract_id TEXT NOT NULL REFERENCES service_contracts(id),
            kind TEXT NOT NULL,
            status TEXT NOT NULL,
            engineer_id TEXT,
            planned_on TEXT,
            version INTEGER NOT NULL,
            doc TEXT NOT NULL)""",
        "CREATE INDEX visits_client ON visits(client_id)",
        "CREATE INDEX visits_status ON visits(status, planned_on)",
        """CREATE TABLE trainings (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            client_id TEXT NOT NULL REFERENCES clients(id),
            manager_id TEXT NOT NULL,
            status TEXT NOT NULL,
            starts_at TEXT,
            version INTEGER NOT NULL,
            doc TEXT NOT NULL)""",
        "CREATE INDEX trainings_client ON trainings(client_id)",
        "CREATE INDEX trainings_manager ON trainings(manager_id, status, starts_at)",
    ),
    (
        # the agenda's touches: a card's birthday and company day as MM-DD, by manager
        "ALTER TABLE clients ADD COLUMN birthday_md TEXT",
        "ALTER TABLE clients ADD COLUMN company_day_md TEXT",
        "UPDATE clients SET birthday_md=substr(json_extract(doc, '$.birthday'), 6, 5), "
        "company_day_md=substr(json_extract(doc, '$.company_day'), 6, 5)",
        "CREATE INDEX clients_birthday ON clients(birthday_md, manager_id)",
        "CREATE INDEX clients_company_day ON clients(company_day_md, manager_id)",
    ),
    (
        # the agenda's debts by manager, and one index for both branches of the satisfaction
        # calls due
        "ALTER TABLE invoices ADD COLUMN manager_id TEXT",
        "UPDATE invoices SET manager_id=(SELECT manager_id FROM clients "
        "WHERE clients.id=invoices.client_id)",
        "CREATE INDEX invoices_manager ON invoices(manager_id, status)",
        "DROP INDEX satisfaction_last_call",
        "DROP INDEX satisfaction_assigned",
        "CREATE INDEX satisfaction_due ON satisfaction(manager_id, last_call, assigned_on)",
    ),
    (
        # the agenda without joins or whole records: the client's name kept on its reactions,
        # satisfaction row and invoices (in step with the card), an invoice's due date and
        # the amount still owed as columns (the amounts are filled in by
        # clientops.adapters._sql.BACKFILLS[11]), and covering indexes for the three lists
        "ALTER TABLE reactions ADD COLUMN client_name TEXT NOT NULL DEFAULT ''",
        "UPDATE reactions SET client_name=coalesce((SELECT name FROM clients "
        "WHERE clients.id=reactions.client_id), '')",
        "DROP INDEX reactions_employee_due",
        "CREATE INDEX reactions_open ON reactions(employee_id, due_at, client_name, id, done, "
        "client_id, kind, topic) WHERE done=0",
        "ALTER TABLE satisfaction ADD COLUMN client_name TEXT NOT NULL DEFAULT ''",
        "UPDATE satisfaction SET client_name=coalesce((SELECT name FROM clients "
        "WHERE clients.id=satisfaction.client_id), '')",
        "DROP INDEX satisfaction_due",
        "CREATE INDEX satisfaction_due ON satisfaction(manager_id, last_call, assigned_on, "
        "client_name)",
        "ALTER TABLE invoices ADD COLUMN client_name TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE invoices ADD COLUMN due_date TEXT",
        "ALTER TABLE invoices ADD COLUMN owed TEXT",
        "ALTER TABLE invoices ADD COLUMN currency TEXT",
        "UPDATE invoices SET client_name=coalesce((SELECT name FROM clients "
        "WHERE clients.id=invoices.client_id), ''), due_date=json_extract(doc, '$.due_date')",
        "DROP INDEX invoices_manager",
        "CREATE INDEX invoices_manager ON invoices(manager_id, status, period, due_date, "
        "issue_date, client_id, number, id, owed, currency, client_name)",
    ),
    (
        # the last number taken in each number sequence (an invoice number format and year),
        # taken under the write lock; a sequence is seeded from the stored invoices on its
        # first use (only the billing policy can read its numbers)
        "CREATE TABLE number_sequences (scope TEXT PRIMARY KEY, last INTEGER)",
    ),
    # 13: no table changed (the number keys were recomputed)
    (),
    # 14: the external ids of records, the cards' listing columns
    (
        """CREATE TABLE external_ids (
            kind TEXT NOT NULL,
            source TEXT NOT NULL,
            external_id TEXT NOT NULL,
            record_id TEXT NOT NULL,
            PRIMARY KEY (kind, source, external_id)) WITHOUT ROWID""",
        "ALTER TABLE clients ADD COLUMN category TEXT",
        "ALTER TABLE clients ADD COLUMN changed_at TEXT",
        "UPDATE clients SET category=json_extract(doc, '$.category'), "
        "changed_at=strftime('%Y-%m-%dT%H:%M:%f000', 'now')",
        "CREATE INDEX external_ids_record ON external_ids(kind, record_id)",
        "CREATE INDEX clients_changed ON clients(changed_at)",
    ),
)

POSTGRESQL: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE clients (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id text NOT NULL UNIQUE,
            version integer NOT NULL,
            name_key text NOT NULL,
            city_key text NOT NULL,
            manager_id text,
            doc text NOT NULL)""",
        "CREATE INDEX clients_name ON clients(name_key, city_key)",
        "CREATE INDEX clients_manager ON clients(manager_id)",
        """CREATE TABLE client_phones (
            e164 text NOT NULL,
            client_id text NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
            PRIMARY KEY (e164, client_id))""",
        "CREATE INDEX client_phones_client ON client_phones(client_id)",
        """CREATE TABLE client_contracts (
            contract_key text PRIMARY KEY,
            client_id text NOT NULL REFERENCES clients(id) ON DELETE CASCADE)""",
        "CREATE INDEX client_contracts_client ON client_contracts(client_id)",
        """CREATE TABLE appeals (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id text NOT NULL UNIQUE,
            client_id text NOT NULL REFERENCES clients(id),
            version integer NOT NULL,
            doc text NOT NULL)""",
        "CREATE INDEX appeals_client ON appeals(client_id)",
        """CREATE TABLE reactions (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id text NOT NULL UNIQUE,
            appeal_id text NOT NULL REFERENCES appeals(id),
            client_id text NOT NULL REFERENCES clients(id),
            department_id text,
            employee_id text,
            due_at timestamptz NOT NULL,
            done integer NOT NULL,
            version integer NOT NULL,
            doc text NOT NULL)""",
        "CREATE INDEX reactions_employee_due ON reactions(employee_id, done, due_at)",
        "CREATE INDEX reactions_department_due ON reactions(department_id, done, due_at)",
        "CREATE INDEX reactions_client ON reactions(client_id, due_at)",
        "CREATE INDEX reactions_appeal ON reactions(appeal_id)",
        "CREATE TABLE departments (id text PRIMARY KEY, doc text NOT NULL)",
        """CREATE TABLE employees (
            id text PRIMARY KEY,
            department_id text NOT NULL REFERENCES departments(id),
            doc text NOT NULL)""",
        """CREATE TABLE absences (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            employee_id text NOT NULL REFERENCES employees(id),
            doc text NOT NULL)""",
        "CREATE TABLE meta (key text PRIMARY KEY, value bigint NOT NULL)",
        "INSERT INTO meta(key, value) VALUES ('staff_rev', 0)",
    ),
    (
        "CREATE TABLE batch_keys (key text PRIMARY KEY)",
        """CREATE TABLE outbox (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id text NOT NULL UNIQUE,
            key text NOT NULL UNIQUE,
            topic text NOT NULL,
            status text NOT NULL,
            next_attempt_at timestamptz NOT NULL,
            lease_until timestamptz,
            attempts integer NOT NULL,
            doc text NOT NULL)""",
        "CREATE INDEX outbox_due ON outbox(status, next_attempt_at)",
    ),
    (
        "ALTER TABLE clients ADD COLUMN name text",
        "UPDATE clients SET name=doc::json->>'name'",
        "ALTER TABLE reactions ADD COLUMN kind text",
        "ALTER TABLE reactions ADD COLUMN topic text",
        "UPDATE reactions SET kind=doc::json->>'kind', topic=doc::json->>'topic'",
    ),
    (
        """CREATE TABLE onboardings (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id text NOT NULL UNIQUE,
            client_id text NOT NULL REFERENCES clients(id),
            manager_id text NOT NULL,
            finished integer NOT NULL,
            version integer NOT NULL,
            doc text NOT NULL)""",
        "CREATE INDEX onboardings_client ON onboardings(client_id)",
        "CREATE INDEX onboardings_manager ON onboardings(manager_id, finished)",
    ),
    (
        """CREATE TABLE orders (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id text NOT NULL UNIQUE,
            client_id text NOT NULL REFERENCES clients(id),
            number text NOT NULL UNIQUE,
            stage text NOT NULL,
            version integer NOT NULL,
            doc text NOT NULL)""",
        "CREATE INDEX orders_client ON orders(client_id)",
        "CREATE INDEX orders_stage ON orders(stage)",
    ),
    (
        """CREATE TABLE calls (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id text NOT NULL UNIQUE,
            client_id text REFERENCES clients(id),
            employee_id text,
            at timestamptz,
            version integer NOT NULL,
            doc text NOT NULL)""",
        "CREATE INDEX calls_at ON calls(at)",
        "CREATE INDEX calls_client ON calls(client_id, at)",
    ),
    (
        """CREATE TABLE subscriptions (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id text NOT NULL UNIQUE,
            client_id text NOT NULL REFERENCES clients(id),
            version integer NOT NULL,
            doc text NOT NULL)""",
        "CREATE INDEX subscriptions_client ON subscriptions(client_id)",
        """CREATE TABLE invoices (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id text NOT NULL UNIQUE,
            number text NOT NULL,
            number_key text NOT NULL UNIQUE,
            client_id text NOT NULL REFERENCES clients(id),
            subscription_id text,
            period text NOT NULL,
            status text NOT NULL,
            issue_date date NOT NULL,
            version integer NOT NULL,
            doc text NOT NULL)""",
        "CREATE INDEX invoices_client ON invoices(client_id)",
        "CREATE INDEX invoices_period ON invoices(period)",
        "CREATE INDEX invoices_status ON invoices(status)",
        "CREATE INDEX invoices_issue_date ON invoices(issue_date)",
        """CREATE TABLE payments (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id text NOT NULL UNIQUE,
            client_id text REFERENCES clients(id),
            date date NOT NULL,
            version integer NOT NULL,
            doc text NOT NULL)""",
        "CREATE INDEX payments_client ON payments(client_id, date)",
        """CREATE TABLE allocations (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            payment_id text NOT NULL,
            invoice_id text NOT NULL,
            client_id text NOT NULL,
            doc text NOT NULL,
            UNIQUE (payment_id, invoice_id))""",
        "CREATE INDEX allocations_client ON allocations(client_id)",
        """CREATE TABLE credits (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            client_id text NOT NULL,
            doc text NOT NULL)""",
        "CREATE INDEX credits_client ON credits(client_id)",
        """CREATE TABLE supplier_bills (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id text NOT NULL UNIQUE,
            version integer NOT NULL,
            doc text NOT NULL)""",
    ),
    (
        """CREATE TABLE claims (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id text NOT NULL UNIQUE,
            client_id text NOT NULL REFERENCES clients(id),
            stage text NOT NULL,
            department_id text NOT NULL,
            manager_id text,
            filed_at timestamptz NOT NULL,
            closed_at timestamptz,
            version integer NOT NULL,
            doc text NOT NULL)""",
        "CREATE INDEX claims_client ON claims(client_id)",
        "CREATE INDEX claims_stage ON claims(stage, department_id)",
        "CREATE INDEX claims_filed ON claims(filed_at)",
        "CREATE INDEX claims_closed ON claims(closed_at)",
        """CREATE TABLE satisfaction (
            client_id text PRIMARY KEY REFERENCES clients(id),
            manager_id text NOT NULL,
            assigned_on date NOT NULL,
            last_call date)""",
        "CREATE INDEX satisfaction_last_call ON satisfaction(manager_id, last_call)",
        "CREATE INDEX satisfaction_assigned ON satisfaction(manager_id, assigned_on)",
        """CREATE TABLE service_contracts (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id text NOT NULL UNIQUE,
            client_id text NOT NULL REFERENCES clients(id),
            number text NOT NULL,
            version integer NOT NULL,
            doc text NOT NULL)""",
        "CREATE INDEX service_contracts_client ON service_contracts(client_id)",
        """CREATE TABLE visits (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id text NOT NULL UNIQUE,
            client_id text NOT NULL REFERENCES clients(id),
            contract_id text NOT NULL REFERENCES service_contracts(id),
            kind text NOT NULL,
            status text NOT NULL,
            engineer_id text,
            planned_on date,
            version integer NOT NULL,
            doc text NOT NULL)""",
        "CREATE INDEX visits_client ON visits(client_id)",
        "CREATE INDEX visits_status ON visits(status, planned_on)",
        """CREATE TABLE trainings (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id text NOT NULL UNIQUE,
            client_id text NOT NULL REFERENCES clients(id),
            manager_id text NOT NULL,
            status text NOT NULL,
            starts_at timestamptz,
            version integer NOT NULL,
            doc text NOT NULL)""",
        "CREATE INDEX trainings_client ON trainings(client_id)",
        "CREATE INDEX trainings_manager ON trainings(manager_id, status, starts_at)",
    ),
    (
        "ALTER TABLE clients ADD COLUMN birthday_md text",
        "ALTER TABLE clients ADD COLUMN company_day_md text",
        "UPDATE clients SET birthday_md=substr((doc::jsonb)->>'birthday', 6, 5), "
        "company_day_md=substr((doc::jsonb)->>'company_day', 6, 5)",
        "CREATE INDEX clients_birthday ON clients(birthday_md, manager_id)",
        "CREATE INDEX clients_company_day ON clients(company_day_md, manager_id)",
    ),
    (
        "ALTER TABLE invoices ADD COLUMN manager_id text",
        "UPDATE invoices SET manager_id=clients.manager_id FROM clients "
        "WHERE clients.id=invoices.client_id",
        "CREATE INDEX invoices_manager ON invoices(manager_id, status)",
        "DROP INDEX satisfaction_last_call",
        "DROP INDEX satisfaction_assigned",
        "CREATE INDEX satisfaction_due ON satisfaction(manager_id, last_call, assigned_on)",
    ),
    (
        "ALTER TABLE reactions ADD COLUMN client_name text NOT NULL DEFAULT ''",
        "UPDATE reactions SET client_name=clients.name FROM clients "
        "WHERE clients.id=reactions.client_id AND clients.name IS NOT NULL",
        "DROP INDEX reactions_employee_due",
        "CREATE INDEX reactions_open ON reactions(employee_id, due_at, "
        'client_name COLLATE "C", id COLLATE "C") INCLUDE (client_id, kind, topic) '
        "WHERE done=0",
        "ALTER TABLE satisfaction ADD COLUMN client_name text NOT NULL DEFAULT ''",
        "UPDATE satisfaction SET client_name=clients.name FROM clients "
        "WHERE clients.id=satisfaction.client_id AND clients.name IS NOT NULL",
        "DROP INDEX satisfaction_due",
        "CREATE INDEX satisfaction_due ON satisfaction(manager_id, last_call, assigned_on) "
        "INCLUDE (client_id, client_name)",
        "ALTER TABLE invoices ADD COLUMN client_name text NOT NULL DEFAULT ''",
        "ALTER TABLE invoices ADD COLUMN due_date date",
        "ALTER TABLE invoices ADD COLUMN owed numeric",
        "ALTER TABLE invoices ADD COLUMN currency text",
        "UPDATE invoices SET due_date=((doc::jsonb)->>'due_date')::date",
        "UPDATE invoices SET client_name=clients.name FROM clients "
        "WHERE clients.id=invoices.client_id AND clients.name IS NOT NULL",
        "DROP INDEX invoices_manager",
        "CREATE INDEX invoices_manager ON invoices(manager_id, status) INCLUDE (seq, "
        "period, due_date, issue_date, client_id, number, id, owed, currency, client_name)",
    ),
    (
        # the last number taken in each number sequence (an invoice number format and year),
        # locked while a number is taken; a sequence is seeded from the stored invoices on
        # its first use (only the billing policy can read its numbers)
        "CREATE TABLE number_sequences (scope text PRIMARY KEY, last bigint)",
    ),
    # 13: no table changed (the number keys were recomputed)
    (),
    # 14: the external ids of records, the cards' listing columns
    (
        """CREATE TABLE external_ids (
            kind text NOT NULL,
            source text NOT NULL,
            external_id text NOT NULL,
            record_id text NOT NULL,
            PRIMARY KEY (kind, source, external_id))""",
        "ALTER TABLE clients ADD COLUMN category text",
        "ALTER TABLE clients ADD COLUMN changed_at timestamptz",
        "UPDATE clients SET category=(doc::jsonb)->>'category', changed_at=now()",
        "CREATE INDEX external_ids_record ON external_ids(kind, record_id)",
        "CREATE INDEX clients_changed ON clients(changed_at)",
    ),
)
