"""Telegram channel assembly: Bot and Dispatcher, middlewares, keyboards, delivery."""
