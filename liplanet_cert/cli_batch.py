"""placeholder"""
def register(app, criteria_app):
    pass
