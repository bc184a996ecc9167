#!/usr/bin/env bash
# A month of a small client department run entirely through the `clientops` command, day by
# day, as cron would run it: the store and the staff set up once, clients imported, a folder
# taken over from sales, subscriptions, then for every working day of the month the morning agenda,
# the billing run on the billing day, the payment reminders from the 20th, a bank statement,
# the outbox; the month's billing status and the installation check at the end.
#
#   bash examples/cron_month.sh [FOLDER]     (FOLDER: ./cron-month by default)
#
# The month is the one before last, so that every date of it is in the past; the commands
# are told the day with --date, as a rehearsal of the crontab below. Run it twice: the second
# run issues, imports and schedules nothing new (every step is idempotent for its day).
#
# The crontab of the real thing (the store and the policy from the configuration file):
#
#   CLIENTOPS_CONFIG=/srv/clientops/clientops.toml
#   30 8 * * 1-5   clientops agenda --department client > /srv/clientops/agenda.txt
#   0 9 * * *      clientops billing run --month "$(date +\%Y-\%m)" || true  # exit 1 off the billing day
#   0 10 * * 1-5   clientops reminders
#   */5 * * * *    clientops -v outbox deliver 2>> /var/log/clientops.log
#   0 7 * * 1      clientops doctor || mail -s "clientops doctor" ops@example.ru < /dev/null
set -euo pipefail

# `clientops`, or `python -m clientops` from a checkout (CLIENTOPS="python3 -m clientops")
read -r -a CLIENTOPS <<< "${CLIENTOPS:-clientops}"
PYTHON=${PYTHON:-python3}

folder=${1:-./cron-month}
mkdir -p "$folder"
cd "$folder"

month=$(date -d "$(date +%Y-%m-01) -2 month" +%Y-%m)
days=$(date -d "$month-01 +1 month -1 day" +%d)

cat > clientops.toml <<'EOF'
store = "sqlite:///month.db"

[policy]
company_name = "Вектор"
EOF
export CLIENTOPS_CONFIG=$PWD/clientops.toml
unset CLIENTOPS_STORE

cat > staff.toml <<'EOF'
[[departments]]
id = "client"
name = "Клиентский отдел"
head_id = "anna"

[[departments]]
id = "sales"
name = "Отдел продаж"
head_id = "petrov"

[[employees]]
id = "anna"
full_name = "Смирнова Анна Сергеевна"
first_name = "Анна"
department_id = "client"
roles = ["client_manager"]

[[employees]]
id = "petrov"
full_name = "Петров Игорь Олегович"
first_name = "Игорь"
department_id = "sales"
roles = ["sales_manager"]
EOF

cat > clients.csv <<'EOF'
Наименование;Город;Телефон;Договор;Менеджер;ИНН
ООО «Ромашка»;Омск;+7 3812 11-22-33;Д-101;anna;5501123450
ООО «Клиентский сервис»;Москва;+7 495 123-45-67;Д-102;anna;7728012340
EOF

cat > folder.toml <<'EOF'
[title_page]
client_name = "ООО «Лютик»"
contract_number = "Д-103"
sales_manager = "petrov"
city = "Томск"
contact_person = "Иванов Иван"
phone = "+7 3822 55-66-77"
products = ["ArchiMed+"]

[[contracts]]
number = "Д-103"
copies = [{}, {}, {}]

[[invoices]]
number = "С-1"
copies = [{}, {}]
EOF

echo "== $month: setting up"
"${CLIENTOPS[@]}" init --staff staff.toml
"${CLIENTOPS[@]}" clients import clients.csv
if "${CLIENTOPS[@]}" --json clients find --contract Д-103 | grep -q '"id"'; then
    echo "Папка «Лютика» принята раньше."
else
    "${CLIENTOPS[@]}" folders receive folder.toml --manager anna
fi
json_field() {  # the value of a key of the JSON document on stdin
    "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}
status=$("${CLIENTOPS[@]}" --json billing status --month "$month")
if [ "$(json_field issued <<< "$status")" -eq 0 ] && [ "$(json_field to_issue <<< "$status")" -eq 0 ]; then
    "${CLIENTOPS[@]}" billing subscribe --contract Д-101 --fee 12000 --start "$month-01"
    "${CLIENTOPS[@]}" billing subscribe --contract Д-102 --fee 8500 --start "$month-01"
fi

billing_date=$(json_field billing_date <<< "$status")

# the statement the bank sends on the first working day from the 25th: ООО «Ромашка» pays
# its 12 000 (matched to its invoice by its INN and the amount)
statement() {
    printf '\xef\xbb\xbf'
    cat <<EOF
1CClientBankExchange
ВерсияФормата=1.02
Кодировка=Windows
Отправитель=Банк Клиент Онлайн
ДатаСоздания=$1
ДатаНачала=$1
ДатаКонца=$1
РасчСчет=40702810900000000001
СекцияРасчСчет
ДатаНачала=$1
ДатаКонца=$1
РасчСчет=40702810900000000001
НачальныйОстаток=0.00
ВсегоПоступило=12000.00
ВсегоСписано=0.00
КонечныйОстаток=12000.00
КонецРасчСчет
СекцияДокумент=Платежное поручение
Номер=512
Дата=$1
Сумма=12000.00
ПлательщикСчет=40702810500000000002
Плательщик=ИНН 5501123450 ООО "Ромашка"
ПлательщикИНН=5501123450
ПолучательСчет=40702810900000000001
ДатаПоступило=$1
ПолучательИНН=7707083893
Получатель1=ООО "Вектор"
НазначениеПлатежа=Оплата за абонентское обслуживание. Без налога (НДС)
КонецДокумента
КонецФайла
EOF
}

for n in $(seq 1 "$days"); do
    day=$(printf '%s-%02d' "$month" "$n")
    if [ "$(date -d "$day" +%u)" -gt 5 ]; then  # the crontab's 1-5: nothing runs at weekends
        continue
    fi
    "${CLIENTOPS[@]}" agenda --department client --date "$day" > "agenda-$day.txt"
    if [ "$day" = "$billing_date" ]; then
        echo "== $day: the billing day"
        "${CLIENTOPS[@]}" billing run --month "$month" --date "$day"
        "${CLIENTOPS[@]}" outbox deliver
    fi
    if [ "$n" -ge 25 ] && [ -z "${statement_day:-}" ]; then
        statement_day=$day
        echo "== $day: the bank statement"
        statement "$(date -d "$day" +%d.%m.%Y)" > "statement-$month.txt"
        "${CLIENTOPS[@]}" statements import "statement-$month.txt"
    fi
    if [ "$n" -ge 20 ]; then
        reminders=$("${CLIENTOPS[@]}" reminders --date "$day")
        case "$reminders" in
            *": 0.") ;;
            *) echo "== $day: $reminders" ;;
        esac
    fi
done

echo "== $month: the month's end"
"${CLIENTOPS[@]}" outbox deliver
"${CLIENTOPS[@]}" billing status --month "$month"
# a problem doctor finds (exit 1) is reported, not a reason to stop the month
"${CLIENTOPS[@]}" doctor || echo "doctor: see the problems above"
