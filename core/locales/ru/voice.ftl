## Телефонная линия: подсказки, которые читает автоответчик (озвучиваются сборкой: priemnaya voice render-prompts)
voice-prompt-greeting = Здравствуйте! Вы позвонили в центр управления регионом. После сигнала расскажите о проблеме и назовите адрес. Когда закончите, помолчите пару секунд или нажмите решётку.
voice-prompt-registered = Спасибо. Ваше обращение зарегистрировано. Запишите номер:
voice-prompt-not-heard = К сожалению, я не расслышал обращение. Позвоните, пожалуйста, ещё раз или напишите нам в телеграм.
voice-prompt-failed = Извините, сейчас не получилось зарегистрировать обращение. Пожалуйста, позвоните позже или напишите нам в телеграм.
voice-prompt-goodbye = Ответ придёт в установленный срок. До свидания!
voice-prompt-digit-0 = ноль
voice-prompt-digit-1 = один
voice-prompt-digit-2 = два
voice-prompt-digit-3 = три
voice-prompt-digit-4 = четыре
voice-prompt-digit-5 = пять
voice-prompt-digit-6 = шесть
voice-prompt-digit-7 = семь
voice-prompt-digit-8 = восемь
voice-prompt-digit-9 = девять
