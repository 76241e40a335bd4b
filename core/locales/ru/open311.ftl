## Open311 GeoReport v2 API (web/open311): texts that integrated systems show to people,
## and the descriptions of its errors.

open311-group = Обращения граждан
open311-auto-name = Определить автоматически
open311-auto-description = Сфера определяется по тексту обращения; если она неясна, обращение распределяет ЦУР.
open311-address-label = Адрес:
open311-notice = Обращение зарегистрировано под номером { $number }. Срок ответа — до { $due }.
open311-notice-no-due = Обращение зарегистрировано под номером { $number }.
open311-status-note = { $status }
open311-status-note-authority = { $status }: { $authority }
open311-resolution-solved = дан ответ по существу
open311-resolution-not_competent = вопрос не в компетенции ведомства
open311-resolution-duplicate = дубликат другого обращения
open311-status-note-resolution = { $status } ({ $resolution })

open311-error-not-found = Не найдено: { $what }
open311-error-method = Метод { $method } не поддерживается для { $path }
open311-error-internal = Внутренняя ошибка сервера; запрос не выполнен, повторите его позже
open311-error-unavailable = Сервис временно недоступен (база данных не отвечает); повторите запрос позже
open311-error-api-key-missing = Нужен параметр api_key
open311-error-api-key-invalid = Неверный api_key
open311-error-api-disabled = Приём заявок через API выключен: на сервере не задан ни один ключ (OPEN311_API_KEYS)
open311-error-jurisdiction = Неизвестный jurisdiction_id: { $value } (этот сервер обслуживает { $expected })
open311-error-required = Нужен параметр { $name }
open311-error-unknown-service = Неизвестный service_code: { $value }. Список услуг — GET services.json
open311-error-too-long = Параметр { $name } слишком длинный: { $length } симв., максимум { $max }
open311-error-too-short = Параметр { $name } слишком короткий: { $length } симв., минимум { $min }
open311-error-bad-characters = Параметр { $name } содержит недопустимые управляющие символы
open311-error-number = Параметр { $name } должен быть числом, получено «{ $value }»
open311-error-range = Параметр { $name } должен быть от { $min } до { $max }, получено { $value }
open311-error-integer = Параметр { $name } должен быть целым числом от { $min } до { $max }, получено «{ $value }»
open311-error-lat-long-pair = Параметры lat и long задаются вместе
open311-error-location = Нужно место: lat и long, address_string или address_id
open311-error-email = Параметр email не похож на адрес электронной почты
open311-error-phone = Параметр phone не похож на номер телефона
open311-error-url = Параметр { $name } должен быть адресом http(s)
open311-error-status = Параметр status: допустимы open и closed, получено «{ $value }»
open311-error-datetime = Параметр { $name } должен быть датой-временем ISO 8601 (например, 2026-12-01T00:00:00+03:00), получено «{ $value }»
open311-error-date-order = start_date позже end_date
open311-error-too-many = В параметре { $name } не больше { $max } значений
open311-error-body-too-large = Тело запроса больше { $max } байт
open311-error-body-format = Тело запроса не разобрано: { $reason }
open311-error-media-type = Тело запроса — application/x-www-form-urlencoded или application/json, получено { $value }
open311-error-encoding = Запрос не в кодировке UTF-8
open311-error-attributes = Не больше { $max } атрибутов attribute[...]
open311-error-files = Файлы не принимаются: передайте ссылку на фото в media_url
open311-error-idempotency-key = Заголовок Idempotency-Key: 1–64 видимых символа ASCII
