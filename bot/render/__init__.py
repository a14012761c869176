"""From a flow's words (messages) to what people see: Telegram HTML, the picture, the PDF."""
