## The web dashboard of ЦУР analytics (web/), and the bot's /dashboard command.

dashboard-link = 📊 <b>Аналитика ЦУР</b>: ваша ссылка для входа — { $url }
    Ссылка одноразовая и действует { $minutes } мин. Не пересылайте её.
dashboard-not-allowed = Веб-аналитика доступна аналитикам ЦУР и руководителям ведомств из справочника. Если вы должны её видеть, попросите администратора ЦУР добавить вас с ролью analyst или head.
dashboard-disabled = Веб-аналитика на этом сервере выключена (WEB_ENABLED=false).

dash-brand = Приёмная · аналитика ЦУР
dash-title = Сводный анализ обращений
dash-nav-dashboard = Дашборд
dash-nav-ratings = Рейтинг ведомств
dash-nav-reports = Отчёты
dash-sign-out = Выйти
dash-role-analyst = аналитик ЦУР
dash-role-head = руководитель ведомства
dash-scope-region = весь регион
dash-signed-out = Вы вышли из аналитики
dash-refused-title = Вход не выполнен
dash-refused-expired = Срок действия ссылки истёк.
dash-refused-used = Эта ссылка уже использована: ссылки для входа одноразовые.
dash-refused-forged = Ссылка недействительна.
dash-refused-not_allowed = У вас нет доступа к аналитике.
dash-refused-signed_out = Войдите, чтобы увидеть эту страницу.
dash-refused-how = Чтобы войти, отправьте боту команду /dashboard — он пришлёт новую одноразовую ссылку.

dash-filter-from = С
dash-filter-to = По
dash-filter-sector = Сфера
dash-filter-municipality = Муниципалитет
dash-filter-authority = Ведомство
dash-filter-channel = Канал
dash-filter-status = Статус
dash-filter-any = все
dash-filter-apply = Применить
dash-error-date = Не понимаю дату «{ $value }»: нужен формат ГГГГ-ММ-ДД. Взят период по умолчанию.
dash-error-period = Начало периода позже конца — даты поменяны местами.
dash-error-long = Период длиннее трёх лет сокращён до трёх лет.
dash-error-choice = Фильтр «{ $field }»: такого значения нет или оно вам недоступно — фильтр не применён.

dash-export-xlsx = ⬇ Выгрузить в XLSX
dash-export-csv = ⬇ Ведомства в CSV
dash-export-heading = Сводный анализ обращений за { $start } — { $end }
dash-empty = нет данных
dash-none = не указано
dash-triage = на распределении в ЦУР
dash-total = Итого

dash-summary = Основные показатели
dash-kpi-total = поступило обращений
dash-kpi-open = в работе
dash-kpi-closed = закрыто
dash-kpi-overdue = просрочено сейчас
dash-kpi-on-time = закрыто в срок
dash-kpi-first = первый ответ: медиана / 90-й перцентиль, раб. дн.
dash-kpi-resolution = решение: медиана / 90-й перцентиль, раб. дн.
dash-kpi-first-median = первый ответ, медиана, раб. дн.
dash-kpi-first-p90 = первый ответ, 90-й перцентиль, раб. дн.
dash-kpi-resolution-median = решение, медиана, раб. дн.
dash-kpi-resolution-p90 = решение, 90-й перцентиль, раб. дн.
dash-kpi-satisfaction = удовлетворённость
dash-kpi-rating = средняя оценка
dash-kpi-reopen = возобновлено после ответа
dash-kpi-completeness = закрыто с ответом по существу

dash-chart-trend = Динамика поступления
dash-chart-sectors = Обращения по сферам
dash-chart-channels = Каналы поступления
dash-chart-statuses = Обращения по статусам
dash-chart-municipalities = Обращения по муниципалитетам
dash-chart-satisfaction = Оценка результата заявителями
dash-chart-authorities = Нагрузка на ведомства
dash-chart-on-time = Доля закрытых в срок по ведомствам
dash-chart-officials = Нагрузка на исполнителей (в работе)
dash-chart-topics = Самые частые темы
dash-chart-addresses = Адреса с повторяющимися проблемами
dash-overdue = Просроченные обращения

dash-col-period = Период
dash-col-received = Поступило
dash-col-closed = Закрыто
dash-col-on-time = Закрыто в срок
dash-col-overdue = Просрочено
dash-col-indicator = Показатель
dash-col-value = Значение
dash-col-verdict = Оценка
dash-col-appeals = Обращений
dash-col-share = Доля
dash-col-sector = Сфера
dash-col-channel = Канал
dash-col-status = Статус
dash-col-municipality = Муниципалитет
dash-col-authority = Ведомство
dash-col-official = Исполнитель
dash-col-total = Всего
dash-col-open = В работе
dash-col-on-time-share = В срок
dash-col-first-median = Первый ответ, медиана, р. д.
dash-col-resolution-median = Решение, медиана, р. д.
dash-col-resolution-p90 = Решение, 90-й перц., р. д.
dash-col-number = Номер
dash-col-due = Срок
dash-col-overdue-wd = Просрочка, р. д.
dash-col-topic = Тема
dash-col-address = Адрес
dash-col-place = Место
dash-col-score = Балл
dash-col-month = За месяц
dash-col-previous = Месяцем ранее

dash-note-privacy = Персональные данные заявителей (имена, телефоны, тексты обращений) здесь не показываются. Адрес — место проблемы, только если он повторяется. Рабочие дни — по производственному календарю.

dash-rating = Рейтинг ведомств
dash-component-deadline = Соблюдение сроков
dash-component-speed = Скорость
dash-component-satisfaction = Удовлетворённость
dash-component-reopen = Без повторных обращений
dash-component-completeness = Полнота ответов
dash-formula-title = Как считается балл
dash-formula-score = Балл = 100 × (0,25·Сроки + 0,20·Скорость + 0,25·Удовлетворённость + 0,15·Без повторных + 0,15·Полнота)
dash-formula-weight = вес
dash-formula-region = по региону
dash-formula-deadline = доля закрытых не позже срока среди закрытых обращений со сроком.
dash-formula-speed = 1 − медиана доли отведённых рабочих дней, которую заняло решение (не меньше 0): решено за половину срока — 0,5.
dash-formula-satisfaction = «Решено» = 1, «Частично» = ½, «Не решено» = 0 и каждая оценка 1–5 как (оценка − 1) / 4, в среднем.
dash-formula-reopen = 1 − доля возобновлённых заявителем («не решено») среди когда-либо закрытых.
dash-formula-completeness = доля закрытых с ответом по существу среди закрытых с ответом или «не в компетенции» (дубликаты не считаются).
dash-formula-shrink = Показатель ведомства = (n · его значение + { $prior } · значение по региону) / (n + { $prior }), где n — число обращений за показателем.
dash-formula-why = Так показатели нормируются на объём: у ведомства с тремя обращениями показатель близок к региональному, у ведомства с сотнями — к его собственному. Ведомство без закрытых обращений получает региональные значения.

dash-reports-monthly = Ежемесячный доклад главе региона
dash-reports-quarterly = Квартальная статистика по муниципалитетам
dash-reports-cli = Те же файлы из командной строки: priemnaya report monthly --month ГГГГ-ММ, priemnaya report quarterly --quarter ГГГГ-Qn.
dash-report-monthly = Доклад об обращениях граждан за { $period }
dash-report-quarterly = Обращения граждан по муниципалитетам за { $period }
dash-report-sectors = Нагрузка по сферам
dash-report-municipalities = Муниципалитеты
dash-report-for = Охват: { $scope }
dash-report-period = Период: { $start } — { $end }
dash-report-generated = Сформирован { $at }
dash-col-satisfaction = Удовлетворённость
dash-col-rating = Средняя оценка
dash-col-reopen = Возобновлено
dash-sign-in-title = Вход в аналитику ЦУР
dash-sign-in-text = Ссылка из бота действует один раз. Нажмите «Войти», чтобы открыть аналитику в этом браузере.
dash-sign-in-button = Войти
