"""What a user might run instead: FastAPI + uvicorn (one worker) serving a scikit-learn MLP.

The comparison server of `npm run bench` (used when python3 has fastapi, uvicorn and scikit-learn,
e.g. Debian's python3-fastapi python3-uvicorn python3-sklearn). Same routes, same request and answer
shapes as the service; the model is a 10-50-50-2 MLP in a scaling pipeline fitted on random rows,
since only the serving cost is measured here.

Usage: python3 bench/fastapi_server.py <port>
"""
import sys
import warnings
from typing import List, Optional, Union

import numpy as np
import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel, Field, confloat, conint
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

FIELDS = [
    "bookLengthAvgMinutes", "bookLengthTotalMinutes", "priceAvg", "priceTotal", "reviewed",
    "reviewScore", "completion", "minutesListened", "supportRequests", "lastVisitDaysAfterPurchase",
]
THRESHOLD = 0.37
VERSION = "fastapi-sklearn-bench"


class Customer(BaseModel):
    customerId: Optional[Union[int, str]] = None  # int first: pydantic 1 would turn 1000 into "1000"
    bookLengthAvgMinutes: confloat(gt=0)
    bookLengthTotalMinutes: confloat(gt=0)
    priceAvg: confloat(ge=0)
    priceTotal: confloat(ge=0)
    reviewed: bool
    reviewScore: Optional[confloat(ge=1, le=10)] = None
    completion: confloat(ge=0, le=1)
    minutesListened: confloat(ge=0)
    supportRequests: conint(ge=0)
    lastVisitDaysAfterPurchase: conint(ge=0)

    class Config:
        extra = "forbid"


class Batch(BaseModel):
    customers: List[Customer] = Field(..., min_items=1, max_items=10_000)


def fitted_model():
    rng = np.random.default_rng(7)
    x = rng.random((2000, len(FIELDS))) * 100
    y = (x[:, 6] + rng.random(2000) * 50 > 60).astype(int)
    model = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(50, 50), max_iter=60, random_state=7))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # not converged in 60 iterations: irrelevant to serving speed
        return model.fit(x, y)


def rows(customers: List[Customer]) -> np.ndarray:
    return np.array([[
        c.bookLengthAvgMinutes, c.bookLengthTotalMinutes, c.priceAvg, c.priceTotal, float(c.reviewed),
        c.reviewScore if c.reviewScore is not None else 8.91, c.completion, c.minutesListened,
        c.supportRequests, c.lastVisitDaysAfterPurchase,
    ] for c in customers])


model = fitted_model()
app = FastAPI()


def answer(customer: Customer, p: float) -> dict:
    out = {"probability": p, "willBuy": p >= THRESHOLD}
    if customer.customerId is not None:
        out["customerId"] = customer.customerId
    return out


@app.post("/predict")
def predict(customer: Customer):
    p = float(model.predict_proba(rows([customer]))[0, 1])
    return {**answer(customer, p), "modelVersion": VERSION, "threshold": THRESHOLD}


@app.post("/predict/batch")
def predict_batch(batch: Batch):
    probabilities = model.predict_proba(rows(batch.customers))[:, 1]
    return {
        "modelVersion": VERSION,
        "threshold": THRESHOLD,
        "predictions": [answer(c, float(p)) for c, p in zip(batch.customers, probabilities)],
    }


@app.get("/health/ready")
def ready():
    return {"status": "ready"}


if __name__ == "__main__":
    print(f"ready fastapi {sys.argv[1]}", flush=True)
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
