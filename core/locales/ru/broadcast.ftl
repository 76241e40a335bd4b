## Адресное информирование: подписки граждан, объявления ведомств и ЦУР, опросы.

## Подписка (граждане)
subscribe-title = 🔔 <b>Новости по темам</b>
subscribe-explain = Плановые отключения, ремонты и решения ведомств — первыми. Отметьте сферы и населённые пункты; без населённых пунктов — новости по всему региону.
subscribe-current = <b>Вы подписаны:</b> { $sectors }
    <b>Где:</b> { $places }
subscribe-none = <b>Вы пока ни на что не подписаны.</b>
subscribe-whole-region = весь регион
subscribe-places-title = 🏙 <b>Населённые пункты</b>
subscribe-places-explain = Отметьте, где вам важны новости. Если не отметить ни одного — будут приходить новости по всему региону.
subscribe-no-places = В справочнике пока нет населённых пунктов — новости приходят по всему региону.
subscribe-btn-places = 🏙 Населённые пункты…
subscribe-btn-sectors = ← Сферы
subscribe-btn-done = ✅ Готово
subscribe-btn-stop = 🔕 Отписаться от всего
subscribe-on = ✅ { $name }
subscribe-off = ▫️ { $name }
subscribe-saved = Готово. { $summary }
subscribe-saved-none = Подписок нет — новости не придут. Вернуться — /subscribe.
subscribe-summary = Новости: { $sectors } · { $places }.
subscribe-need-consent = Чтобы получать новости, нужно ваше согласие на обработку персональных данных — нажмите /start.
unsubscribe-done = 🔕 Подписка отменена — новости больше не придут. Подписаться снова — /subscribe.
unsubscribe-nothing = Подписок не было. Подписаться — /subscribe.
subscribe-offer = 🔔 Новости по теме: { $topic }
subscribe-offer-topic = { $sector } · { $place }
subscribe-offer-done = ✅ Подписка оформлена: отключения, ремонты и решения по теме придут сюда. Изменить — /subscribe.

## Автоответ «известная проблема»
known-issue-answer =
    ℹ️ По вашему обращению <code>{ $number }</code>: об этой проблеме уже известно, ведомство сообщило:

    { $text }

    Обращение всё равно передано в ведомство, ответ придёт сюда.

## Объявления (ведомства и ЦУР, в своей группе)
broadcast-header = 📢 <b>Новости: { $sectors }</b>
broadcast-all-sectors = все сферы
announce-not-allowed = Рассылать объявления могут только зарегистрированные сотрудники ведомства этой группы и ЦУР.
announce-prompt = 📢 <b>Новое объявление</b>. Пришлите текст одним сообщением (можно фото с подписью). Отмена — «отмена» или /cancel.
announce-need-text = Нужен текст объявления — сообщением или подписью к фото.
announce-too-long = Слишком длинно: { $length } симв., можно не больше { $limit }.
announce-cancelled = Объявление отменено, ничего не разослано.
announce-expired = Это объявление уже отправлено или отменено. Новое — /announce.
announce-sectors = <b>Кому:</b> отметьте сферы объявления.
announce-places = <b>Где:</b> отметьте населённые пункты.
announce-need-sector = Отметьте хотя бы одну сферу.
announce-need-place = Отметьте хотя бы один населённый пункт.
announce-all-sectors = 🌐 Все сферы
announce-whole-region = 🌐 Весь регион
announce-btn-next = Далее →
announce-btn-cancel = ✖️ Отмена
announce-outage =
    <b>Это отключение, авария или ремонт?</b>
    Тогда новые обращения по этой теме и месту сразу получат это объявление в ответ (и всё равно попадут к вам).
announce-outage-no = Нет
announce-outage-days = { $days ->
    [one] Да, { $days } день
    [few] Да, { $days } дня
   *[other] Да, { $days } дней
}
announce-poll-ask = <b>Добавить опрос?</b> Жители ответят одной кнопкой, итоги увидите здесь.
announce-poll-yes = 📊 Добавить опрос
announce-poll-no = Без опроса
announce-poll-prompt = Пришлите опрос одним сообщением: первая строка — вопрос, каждая следующая — вариант ответа (от 2 до 10).
announce-poll-error-empty = Опрос пустой. Первая строка — вопрос, дальше варианты, каждый с новой строки.
announce-poll-error-question-too-long = Вопрос длиннее 300 символов — сократите его.
announce-poll-error-options-count = Нужно от 2 до 10 разных вариантов ответа, каждый с новой строки.
announce-poll-error-option-too-long = Вариант ответа длиннее 100 символов — сократите его.
announce-preview-title = 👀 <b>Так объявление увидят жители:</b>
announce-summary =
    <b>Объявление готово к рассылке</b>
    Сферы: { $sectors }
    Где: { $places }
    Известная проблема: { $outage }
    Опрос: { $poll }
    <b>Получателей: { $count }</b>
announce-summary-no = нет
announce-summary-outage = да, { $days } дн. — новые обращения получат автоответ
announce-btn-send = ✅ Разослать
announce-nobody = Сейчас на эти темы никто не подписан — рассылать некому. Измените сферы или места (/announce) или отмените.

## Ход рассылки (сообщение в группе обновляется)
broadcast-progress-sending = 📤 <b>Рассылка № { $id }</b>: отправлено { $sent } · не доставлено { $failed } · осталось { $left } (из { $total })
broadcast-progress-done = ✅ <b>Рассылка № { $id } завершена</b>: доставлено { $sent } · не доставлено { $failed } (из { $total })
broadcast-progress-cancelled = ⏹ <b>Рассылка № { $id } остановлена</b>: доставлено { $sent } · не доставлено { $failed } (из { $total })
broadcast-progress-blocked = Заблокировали бота: { $n } — их подписка снята.
broadcast-progress-not-sent = Не отправлено из-за остановки: { $n }.
broadcast-outage-on = ℹ️ Известная проблема до { $until }: новые обращения по теме получают это объявление в ответ.
broadcast-btn-cancel = ⏹ Остановить рассылку
broadcast-btn-results = 📊 Итоги опроса
broadcast-btn-close-poll = 🔒 Завершить опрос
broadcast-btn-lift = ✔️ Проблема решена — снять автоответ
broadcast-cancelled = Рассылка остановлена.
broadcast-not-yours = Это может сделать только сотрудник ведомства, которое разослало объявление.
broadcast-lifted = Автоответ снят: новые обращения по теме идут как обычно.
broadcast-poll-results =
    📊 <b>Итоги опроса</b> (рассылка № { $id }{ $closed })
    { $question }
    { $lines }
    Ответили: { $voters } из { $polls }
broadcast-poll-line = { $option } — { $count } ({ $percent }%)
broadcast-poll-closed-mark = , опрос завершён
broadcast-poll-closing = Опрос завершается — итоги больше не изменятся.
